from __future__ import annotations

import io
import re

import pytest

from undersigned.lib.microcache import MicroCache
from undersigned.public.admission import ARRIVED
from undersigned.wsgi import PUBLIC_PATHS, application, cached_application


@pytest.mark.parametrize(
    "path",
    [
        "/en/stop-the-war/",
        "/uk/stop-the-war/",
        "/ru/x/",
        "/count/stop-the-war.json",
        "/api/v1/statements/stop-the-war/counts/",
        "/embed/stop-the-war/",
        "/embed/stop-the-war/badge.svg",
        "/log/stop-the-war/checkpoint",
        "/log/stop-the-war/count.json",
        "/log/stop-the-war/tile/0/000",
        "/log/stop-the-war/tile/1/x001/002.p/7",
        "/log/stop-the-war/tile/entries/000",
    ],
)
def test_the_micro_cache_covers_the_pages_a_surge_asks_for(path: str) -> None:
    assert re.fullmatch(PUBLIC_PATHS, path)


@pytest.mark.parametrize(
    "path",
    [
        "/en/stop-the-war/sign/",
        "/en/stop-the-war/thanks/",
        "/en/confirm/abc/",
        "/en/manage/abc/",
        "/admin/",
        "/en/",
        "/stop-the-war/",
        "/de/stop-the-war/",
        "/api/v1/statements/stop-the-war/signers/",
        "/embed/stop-the-war/x/",
        "/log/stop-the-war/cosignature",
        "/log/stop-the-war/receipt/",
    ],
)
def test_forms_links_staff_and_language_redirects_are_never_micro_cached(path: str) -> None:
    assert not re.fullmatch(PUBLIC_PATHS, path)


def test_the_deployed_application_is_wrapped() -> None:
    assert isinstance(cached_application, MicroCache)


@pytest.mark.django_db
def test_the_deployed_application_notes_when_a_request_arrived() -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.input": io.BytesIO(),
    }
    application(environ, lambda status, headers, exc_info=None: None)
    assert isinstance(environ[ARRIVED], float)


def test_the_deployed_response_cache_ignores_unknown_query_parameters() -> None:
    from undersigned.statements.caches import response_query

    assert cached_application.query_key is response_query
