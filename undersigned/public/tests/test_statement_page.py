from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from undersigned.statements.models import Signature, Statement, Visibility
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def confirmed(statement: Statement, i: int, visibility: int) -> Signature:
    signature, _ = Signature.sign(
        statement,
        language="en",
        name=f"Person Number{i}",
        email=f"p{i}@example.org",
        country="UA",
        visibility=visibility,
        city="Kharkiv",
    )
    assert signature is not None
    signature.confirm()
    return signature


def test_it_shows_the_text_in_the_url_language() -> None:
    make_statement()
    body = Client().get("/uk/stop-the-war/").content.decode()
    assert "Title uk" in body and "Demand one uk" in body and '<html lang="uk"' in body


def test_root_redirects_by_accept_language() -> None:
    make_statement()
    response = Client().get("/stop-the-war/", HTTP_ACCEPT_LANGUAGE="ru,en;q=0.5")
    assert response.status_code == 302 and response["Location"] == "/ru/stop-the-war/"


def test_a_language_the_statement_lacks_falls_back_to_its_primary_text() -> None:
    make_statement(languages=("en",))
    body = Client().get("/ru/stop-the-war/").content.decode()
    assert 'lang="en"' in body and "Title en" in body


def test_it_lists_public_signers_newest_first_and_honours_visibility() -> None:
    statement = make_statement()
    confirmed(statement, 1, Visibility.PUBLIC)
    confirmed(statement, 2, Visibility.NAME_ONLY)
    confirmed(statement, 3, Visibility.INITIALS)
    confirmed(statement, 4, Visibility.HIDDEN)
    body = Client().get("/en/stop-the-war/").content.decode()
    assert body.index("P.N.") < body.index("Person Number2") < body.index("Person Number1")
    assert "Person Number4" not in body and "Person Number3" not in body
    assert body.count("Kharkiv") == 1
    # Four is below SUPPRESS_BELOW: never shown as its figure (P9, issue 15).
    assert "<strong>Fewer than 10 signatures</strong>" in body
    assert "<strong>4</strong>" not in body


def test_signers_are_paginated(settings: object) -> None:
    # Old links to ?page=N keep working; the statement page itself links to /signers/.
    settings.SIGNERS_PER_PAGE = 2  # type: ignore[attr-defined]
    statement = make_statement()
    for i in range(5):
        confirmed(statement, i, Visibility.PUBLIC)
    page3 = Client().get("/en/stop-the-war/?page=3").content.decode()
    assert "Person Number0" in page3 and "Person Number4" not in page3
    assert "Page 3 of 3" in page3


def test_the_page_keeps_the_latest_signers_and_links_to_the_list() -> None:
    statement = make_statement()
    for i in range(12):
        confirmed(statement, i, Visibility.PUBLIC)
    body = Client().get("/en/stop-the-war/").content.decode()
    assert "Person Number11" in body and "Person Number2" in body
    assert "Person Number1<" not in body and "Person Number0" not in body
    assert 'href="/en/stop-the-war/signers/"' in body


def test_the_page_never_counts_rows() -> None:
    statement = make_statement()
    confirmed(statement, 1, Visibility.PUBLIC)
    with CaptureQueriesContext(connection) as queries:
        Client().get("/en/stop-the-war/")
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_the_page_is_cacheable_and_sets_no_cookie() -> None:
    make_statement()
    response = Client().get("/en/stop-the-war/")
    assert not response.cookies
    assert (
        "public" in response["Cache-Control"]
        and "stale-while-revalidate" in response["Cache-Control"]
    )
    assert "Vary" not in response or "Cookie" not in response["Vary"]


def test_a_draft_is_not_shown() -> None:
    make_statement(state=Statement.State.DRAFT)
    assert Client().get("/en/stop-the-war/").status_code == 404


def test_the_page_loads_nothing_from_another_origin() -> None:
    make_statement()
    body = Client().get("/en/stop-the-war/").content.decode()
    for attribute in ('src="http', 'src="//', 'href="//'):
        assert attribute not in body
    # Only our own script files, never inline script (CSP has no 'unsafe-inline').
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", body, flags=re.S)
    sources = [re.search(r'src="([^"]+)"', attributes)[1] for attributes, _body in scripts]  # type: ignore[index]
    assert sources == [
        "/static/undersigned/vendor/nacl-fast.min.js",
        "/static/undersigned/vendor/blake2b.js",
        "/static/undersigned/seal.js",
        "/static/undersigned/pow.js",
        "/static/undersigned/share.js",
    ]
    assert all(inline == "" for _attributes, inline in scripts)
    # The scripts that seal what the server must not read carry their hashes (SRI).
    assert all('integrity="sha384-' in attributes for attributes, _body in scripts[:3])


@pytest.mark.parametrize("page", ["9" * 30, "-5", "x", "10001"])
def test_any_page_number_gets_a_page_not_an_error(page: str) -> None:
    make_statement()
    assert Client().get(f"/en/stop-the-war/?page={page}").status_code == 200


def test_a_translation_of_an_older_version_says_so_in_its_language() -> None:
    statement = make_statement()
    assert "оригінал" not in Client().get("/uk/stop-the-war/").content.decode()
    english = statement.versions.get(language="en")
    english.is_current = False
    english.save()
    statement.versions.create(
        language="en", number=2, primary_number=2, title="Title en", body_markdown="x",
        body_html="<p>x</p>", content_hash="2",
    )  # fmt: skip
    statement.forget_cached()
    cache.clear()
    ukrainian = Client().get("/uk/stop-the-war/").content.decode()
    assert "Цей переклад відповідає версії 1 оригінального тексту" in ukrainian
    assert 'href="/en/stop-the-war/"' in ukrainian
    assert "This translation follows" not in Client().get("/en/stop-the-war/").content.decode()
