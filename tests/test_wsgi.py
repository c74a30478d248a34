from __future__ import annotations

import re

import pytest

from undersigned.lib.microcache import MicroCache
from undersigned.wsgi import PUBLIC_PATHS, application


@pytest.mark.parametrize(
    "path",
    [
        "/en/stop-the-war/",
        "/uk/stop-the-war/",
        "/ru/x/",
        "/count/stop-the-war.json",
        "/log/stop-the-war/checkpoint",
        "/log/stop-the-war/count.json",
        "/log/stop-the-war/tile/0/000",
        "/log/stop-the-war/tile/1/x001/002.p/7",
        "/log/stop-the-war/tile/entries/000",
    ],
)
def test_the_micro_cache_covers_the_statement_page_and_the_count(path: str) -> None:
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
        "/log/stop-the-war/cosignature",
        "/log/stop-the-war/receipt/",
    ],
)
def test_forms_links_staff_and_language_redirects_are_never_micro_cached(path: str) -> None:
    assert not re.fullmatch(PUBLIC_PATHS, path)


def test_the_deployed_application_is_wrapped() -> None:
    assert isinstance(application, MicroCache)


def test_the_deployed_response_cache_ignores_unknown_query_parameters() -> None:
    from undersigned.statements.caches import response_query

    assert application.query_key is response_query
