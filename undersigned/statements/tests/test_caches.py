"""The one owner of the caches: keys, reads, invalidation, and the response cache's key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from undersigned.statements import caches
from undersigned.test import make_statement


def wsgi_get(app: Any, path: str, query: str = "") -> bytes:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query}
    return b"".join(app(environ, lambda status, headers, exc=None: None))


class App:
    """A public page that counts its renders."""

    calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        start_response("200 OK", [("Cache-Control", "public, max-age=2")])
        return [f"render {self.calls}".encode()]


def test_unknown_query_parameters_hit_the_same_response_copy() -> None:
    app = App()
    micro = caches.response_cache(app)
    bodies = {
        wsgi_get(micro, "/en/stop-the-war/", query)
        for query in ["", "x=1", "x=2&utm_source=z", "page=1", "page=abc", "page="]
    }
    assert bodies == {b"render 1"} and app.calls == 1
    assert wsgi_get(micro, "/count/stop-the-war.json", "x=9") == b"render 2"
    assert wsgi_get(micro, "/count/stop-the-war.json", "y=9") == b"render 2"


def test_each_page_number_still_has_its_own_response_copy() -> None:
    app = App()
    micro = caches.response_cache(app)
    assert wsgi_get(micro, "/en/stop-the-war/", "page=2") == b"render 1"
    assert wsgi_get(micro, "/en/stop-the-war/", "page=02&x=1") == b"render 1"
    assert wsgi_get(micro, "/en/stop-the-war/", "page=3") == b"render 2"
    assert wsgi_get(micro, "/en/stop-the-war/", "page=1&page=3") == b"render 2"  # the last


def test_the_embed_has_a_copy_per_language_and_the_counts_one_copy() -> None:
    app = App()
    micro = caches.response_cache(app)
    assert wsgi_get(micro, "/embed/stop-the-war/", "lang=uk&x=1") == b"render 1"
    assert wsgi_get(micro, "/embed/stop-the-war/", "lang=en&lang=uk") == b"render 1"
    assert wsgi_get(micro, "/embed/stop-the-war/", "lang=ru") == b"render 2"
    assert wsgi_get(micro, "/embed/stop-the-war/", "utm_source=z") == b"render 3"
    counts = "/api/v1/statements/stop-the-war/counts/"
    assert wsgi_get(micro, counts, "limit=5") == wsgi_get(micro, counts) == b"render 4"


def test_a_made_up_embed_language_shares_the_default_copy() -> None:
    """The embed answers an unknown ?lang= in the statement's own language: 512 made-up
    values must not be 512 copies, which would push every other page out of the cache."""
    app = App()
    micro = caches.response_cache(app)
    assert wsgi_get(micro, "/embed/stop-the-war/") == b"render 1"
    for made_up in ("xx", "EN", "uk-UA", "en-GB", "1" * 40, ""):
        assert wsgi_get(micro, "/embed/stop-the-war/", f"lang={made_up}") == b"render 1"
    assert app.calls == 1
    assert caches.response_query("/embed/stop-the-war/", "lang=zz") == ""
    assert caches.response_query("/embed/stop-the-war/", "lang=uk") == "lang=uk"


@pytest.mark.parametrize(
    ("raw", "number"), [("1", 1), ("7", 7), ("0", 1), ("-3", 1), ("x", 1), ("", 1), ("10**9", 1)]
)
def test_page_numbers_are_read_as_the_view_reads_them(raw: str, number: int) -> None:
    assert caches.page_number(raw) == number
    assert caches.page_number("99999999") == caches.MAX_PAGE


@pytest.mark.django_db
def test_the_page_cache_ignores_unknown_parameters() -> None:
    make_statement()
    first = Client().get("/en/stop-the-war/?x=1")
    assert cache.get(caches.page_key("stop-the-war", "en", 1)) == first.content
    assert Client().get("/en/stop-the-war/?y=2").content == first.content


@pytest.mark.django_db
def test_forgetting_a_statement_reaches_the_memory_and_the_shared_cache() -> None:
    statement = make_statement()
    loads: list[int] = []

    def load() -> str:
        loads.append(1)
        return f"v{len(loads)}"

    assert caches.statement(statement.slug, load) == "v1"
    assert caches.statement(statement.slug, load) == "v1"
    assert caches.statement_by_pk(statement.pk, load) == "v2"
    caches.forget_statement(statement.slug, statement.pk)
    assert cache.get(caches.statement_key(statement.slug)) is None
    assert caches.statement(statement.slug, load) == "v3"
    assert caches.statement_by_pk(statement.pk, load) == "v4"


def test_counts_are_computed_at_most_once_a_second() -> None:
    computed: list[int] = []

    def compute() -> dict[str, int]:
        computed.append(1)
        return {"counted": len(computed)}

    assert caches.counts(7, compute) == caches.counts(7, compute) == {"counted": 1}
    assert len(computed) == 1


def test_the_block_list_is_kept_in_memory_until_forgotten() -> None:
    stored: list[Any] = [({"bad.example"}, set(), ["203.0.113.0/24"])]
    first = caches.blocklist(lambda: stored[0])
    assert first[0] == {"bad.example"} and str(first[2][0]) == "203.0.113.0/24"
    stored[0] = ({"other.example"}, set(), [])
    assert caches.blocklist(lambda: stored[0])[0] == {"bad.example"}
    caches.forget_blocklist()
    assert caches.blocklist(lambda: stored[0])[0] == {"other.example"}


def test_domain_labels_are_remembered_for_the_trending_report() -> None:
    assert caches.domain_label("abc") == ""
    caches.remember_domain_label("abc", "busy.example")
    assert caches.domain_label("abc") == "busy.example"
