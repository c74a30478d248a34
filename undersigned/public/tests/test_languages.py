from __future__ import annotations

import re

import pytest
from django.test import Client

from undersigned.public.templatetags.languages import served, switcher_codes
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def switcher(body: str) -> list[tuple[str, str, str]]:
    nav = body[body.index('class="languages"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'<a href="([^"]+)" hreflang="(\w+)" lang="(\w+)"', nav)


def test_the_statement_languages_come_first_then_the_interface_languages(settings) -> None:
    settings.LANGUAGES = [("en", "English"), ("uk", "Ukrainian"), ("ru", "Russian")]
    assert switcher_codes(["ru", "uk"]) == ["ru", "uk", "en"]
    assert switcher_codes([]) == ["en", "uk", "ru"]


def test_a_statement_language_without_a_url_prefix_is_left_out(settings) -> None:
    settings.LANGUAGES = [("en", "English"), ("uk", "Ukrainian")]
    assert switcher_codes(["be", "uk"]) == ["uk", "en"]
    assert served(["be", "uk", "en"]) == ["uk", "en"]


def test_the_switcher_names_each_language_in_itself_with_lang_and_hreflang() -> None:
    make_statement(languages=("uk", "en"))
    body = Client().get("/en/stop-the-war/").content.decode()
    assert switcher(body) == [
        ("/uk/stop-the-war/", "uk", "uk"),
        ("/en/stop-the-war/", "en", "en"),
        ("/ru/stop-the-war/", "ru", "ru"),
    ]
    assert ">Українська</a>" in body
    # Russian is offered for the menus only, and says so in Russian.
    assert '>Русский <span class="untranslated">(заявление не переведено)</span></a>' in body
    assert 'hreflang="en" lang="en" aria-current="true"' in body


def test_after_form_errors_the_switcher_leads_to_the_statement_not_the_sign_url() -> None:
    make_statement()
    response = Client().post("/uk/stop-the-war/sign/", {"name": ""}, **ORIGIN)
    assert response.status_code == 400
    assert ("/ru/stop-the-war/", "ru", "ru") in switcher(response.content.decode())


def test_other_pages_switch_to_the_same_page_in_another_language() -> None:
    make_statement()
    body = Client().get("/uk/stop-the-war/thanks/").content.decode()
    assert ("/en/stop-the-war/thanks/", "en", "en") in switcher(body)


def test_hreflang_alternates_are_absolute_and_cover_the_statement_languages(settings) -> None:
    make_statement(languages=("en", "uk"))
    body = Client().get("/ru/stop-the-war/").content.decode()
    site = settings.SITE_URL
    assert f'<link rel="alternate" hreflang="en" href="{site}/en/stop-the-war/">' in body
    assert f'<link rel="alternate" hreflang="uk" href="{site}/uk/stop-the-war/">' in body
    assert 'hreflang="ru" href' not in body.split("</head>")[0]
    assert f'hreflang="x-default" href="{site}/en/stop-the-war/"' in body


@pytest.mark.parametrize(
    "path",
    [
        "/en/stop-the-war/thanks/",
        "/uk/confirm/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH/",
        "/ru/manage/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH/",
        "/en/stop-the-war/organisations/",
        "/healthz",
    ],
)
def test_swapping_the_prefix_gives_what_translate_url_gives(path: str) -> None:
    from django.urls import translate_url
    from django.utils import translation

    from undersigned.public.templatetags.languages import in_language

    # In a request the active language is the one in the path's prefix.
    prefix = path.split("/")[1]
    with translation.override(prefix if prefix in ("en", "uk", "ru") else "en"):
        for code in ("en", "uk", "ru"):
            assert in_language(path, code) == translate_url(path, code)
