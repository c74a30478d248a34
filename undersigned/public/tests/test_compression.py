"""Public pages are gzipped when asked; staff pages (CSRF token, session) never are."""

from __future__ import annotations

import gzip
import io
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client

from undersigned.lib.microcache import MicroCache
from undersigned.statements.models import Signature
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db
PAGE = "/en/stop-the-war/"


def test_a_public_page_is_gzipped_when_the_browser_asks() -> None:
    make_statement()
    zipped = Client(headers={"Accept-Encoding": "gzip, deflate, br"}).get(PAGE)
    plain = Client().get(PAGE)
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content
    assert not plain.has_header("Content-Encoding") and "Accept-Encoding" in plain["Vary"]
    assert len(zipped.content) < len(plain.content) / 2


def test_staff_pages_with_a_csrf_token_are_never_compressed() -> None:
    response = Client(headers={"Accept-Encoding": "gzip"}).get("/control/login/")
    assert b"csrfmiddlewaretoken" in response.content
    assert not response.has_header("Content-Encoding")


def test_pages_opened_from_an_email_link_are_never_compressed() -> None:
    statement = make_statement()
    signature, message = Signature.sign(
        statement, language="en", name="Anna K", email="anna@example.org", country="UA"
    )
    assert signature is not None and message is not None
    token = message.open_payload()["manage_token"]
    response = Client(headers={"Accept-Encoding": "gzip"}).get(f"/en/manage/{token}/")
    assert response.status_code == 200 and not response.has_header("Content-Encoding")


def test_static_files_are_compressed() -> None:
    response = Client(headers={"Accept-Encoding": "gzip"}).get("/static/undersigned/site.css")
    assert response["Content-Encoding"] == "gzip"
    assert b"undersigned" in gzip.decompress(b"".join(response.streaming_content))  # type: ignore[attr-defined]


def call(app: Any, path: str, encoding: str | None) -> tuple[str, dict[str, str], bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    if encoding:
        environ["HTTP_ACCEPT_ENCODING"] = encoding
    answer: list[Any] = []
    body = b"".join(
        app(environ, lambda status, headers, exc=None: answer.extend([status, headers]))
    )
    return answer[0], {k.lower(): v for k, v in answer[1]}, body


def test_the_micro_cache_gives_each_client_the_encoding_it_asked_for() -> None:
    make_statement()
    app = MicroCache(get_wsgi_application(), r"/en/[-a-z]+/", ttl=60)
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        first = call(app, PAGE, "gzip")
        plain = call(app, PAGE, None)
        again = call(app, PAGE, "gzip")
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert first[1]["content-encoding"] == "gzip" and again[1]["content-encoding"] == "gzip"
    assert "content-encoding" not in plain[1] and plain[2].startswith(b"<!doctype html>")
    assert gzip.decompress(again[2]) == plain[2]
