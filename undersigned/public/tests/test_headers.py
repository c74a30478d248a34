"""Every public response carries the security headers (P6)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from undersigned.statements.models import Signature
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def public_urls() -> list[str]:
    statement = make_statement()
    _signature, message = Signature.sign(
        statement, language="en", name="A B", email="a@example.org", country="UA"
    )
    assert message is not None
    payload = message.open_payload()
    return [
        "/",
        "/en/",
        "/en/stop-the-war/",
        "/uk/stop-the-war/?page=2",
        "/en/stop-the-war/thanks/",
        f"/en/confirm/{payload['confirm_token']}/",
        f"/en/manage/{payload['manage_token']}/",
        "/en/confirm/not-a-token/",  # problem page (404)
        "/en/no-such-statement/",  # 404
        "/en/stop-the-war/sign/",  # 405
        "/count/stop-the-war.json",
        "/static/undersigned/site.css",
        "/healthz",
    ]


def assert_headers(response: object, url: str = "") -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    token_link = "/confirm/" in url or "/manage/" in url
    assert headers["Referrer-Policy"] == ("no-referrer" if token_link else "same-origin"), url
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in headers


def test_every_public_page_has_the_headers() -> None:
    for url in public_urls():
        response = Client().get(url)
        assert response.status_code < 500, url
        assert_headers(response, url)
        assert "Strict-Transport-Security" not in response.headers, url


def test_a_refused_post_has_them_too() -> None:
    make_statement()
    response = Client().post("/en/stop-the-war/sign/", {}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert_headers(response)


@override_settings(
    SITE_URL="https://sign.example.org",
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_SSL_REDIRECT=True,
)
def test_hsts_over_https() -> None:
    for url in public_urls():
        response = Client().get(url, secure=True)
        assert response.status_code < 500, url
        assert_headers(response, url)
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000"), url
    plain = Client().get("/en/stop-the-war/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
