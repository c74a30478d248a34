"""Error pages styled and in the visitor's language; HEAD answered; robots.txt and favicon."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from undersigned import urls
from undersigned.public.errors import server_error
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "headers", "language", "title"),
    [
        ("/en/stop-the-war/no/such/page/", {}, "en", "Page not found"),
        ("/uk/no-such-statement/", {}, "uk", "Сторінку не знайдено"),
        ("/ru/confirm/short/x/", {}, "ru", "Страница не найдена"),
        ("/no/such/thing/", {"Accept-Language": "uk"}, "uk", "Сторінку не знайдено"),
    ],
)
def test_a_mistyped_address_gets_a_styled_page_in_the_visitors_language(
    url: str, headers: dict[str, str], language: str, title: str
) -> None:
    make_statement()
    response = Client(headers=headers).get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert f'<html lang="{language}"' in body and f"<h1>{title}</h1>" in body
    assert "site.css" in body and "Set-Cookie" not in response


@pytest.mark.parametrize("url", ["/en/stop-the-war/sign/", "/uk/stop-the-war/endorse/"])
def test_get_on_a_form_address_explains_instead_of_an_empty_405(url: str) -> None:
    make_statement()
    response = Client().get(url)
    assert response.status_code == 405 and response["Allow"] == "POST"
    body = response.content.decode()
    assert "site.css" in body and "<h1>" in body
    language = url.split("/")[1]
    assert f'<a href="/{language}/stop-the-war/">' in body  # back to the statement
    if url.startswith("/uk/"):
        assert "Цю сторінку не можна відкрити так" in body


@pytest.mark.parametrize(
    "url", ["/en/", "/en/stop-the-war/", "/count/stop-the-war.json", "/pow/stop-the-war.json"]
)
def test_head_is_answered_where_get_is(url: str) -> None:
    make_statement(slug="stop-the-war")
    make_statement(slug="another-one")  # the home page lists, rather than redirects
    assert Client().head(url).status_code == 200


def test_the_csrf_failure_page_is_styled_and_translated() -> None:
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "ru"})
    response = client.post("/control/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "site.css" in body and "<h1>Форму не удалось принять</h1>" in body


def test_a_server_error_is_styled_and_translated() -> None:
    request = Client().get("/uk/").wsgi_request
    with translation.override("uk"):
        response = server_error(request)
    assert response.status_code == 500
    assert "<h1>На нашому боці щось пішло не так</h1>" in response.content.decode()


@pytest.mark.parametrize(("status", "handler"), [(400, "bad_request"), (403, "forbidden")])
def test_400_and_403_pages_are_styled(status: int, handler: str) -> None:
    assert getattr(urls, f"handler{status}").__name__ == handler
    request = Client().get("/en/").wsgi_request
    response = getattr(urls, f"handler{status}")(request, None)
    assert response.status_code == status and "site.css" in response.content.decode()


def test_a_disallowed_host_gets_the_styled_400() -> None:
    response = Client(HTTP_HOST="evil.example").get("/en/")
    assert response.status_code == 400 and "site.css" in response.content.decode()


def test_robots_txt_keeps_crawlers_off_links_and_staff_pages() -> None:
    response = Client().get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /control/" in lines and "Disallow: /*/confirm/" in lines
    assert "Disallow: /*/manage/" in lines


def test_favicon_ico_is_the_sites_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_a_view_that_fails_answers_with_the_styled_500(monkeypatch: pytest.MonkeyPatch) -> None:
    make_statement()

    def broken(statement: object) -> dict[str, int]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("undersigned.public.pages.counts_for", broken)
    client = Client(raise_request_exception=False, headers={"Accept-Language": "ru"})
    response = client.get("/ru/stop-the-war/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>На нашей стороне что-то пошло не так</h1>" in body and "site.css" in body
    assert "the database went away" not in body
