from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.test import Client

from undersigned.public.tests.signers import add_signatures
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_any_site_may_frame_the_embed() -> None:
    make_statement("stop-the-war")
    answer = Client().get("/embed/stop-the-war/")
    assert answer.status_code == 200
    assert "frame-ancestors *" in answer["Content-Security-Policy"]
    assert "frame-ancestors 'none'" not in answer["Content-Security-Policy"]
    assert "X-Frame-Options" not in answer
    assert answer["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_no_other_page_may_be_framed() -> None:
    make_statement("stop-the-war")
    for url in ("/en/stop-the-war/", "/en/stop-the-war/thanks/", "/api/v1/statements/"):
        answer = Client().get(url)
        assert answer["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in answer["Content-Security-Policy"], url


def test_the_embed_shows_title_count_progress_and_a_sign_link_without_script() -> None:
    statement = make_statement("stop-the-war", goal=100)
    add_signatures(statement, 25, country="UA")
    html = Client().get("/embed/stop-the-war/").content.decode()
    assert "Title en" in html
    assert "25 signatures" in html
    assert '<progress max="100" value="25"' in html
    assert 'href="http://127.0.0.1:8000/en/stop-the-war/#sign-h" target="_blank"' in html
    assert "<script" not in html


def test_the_embed_speaks_the_language_asked_for() -> None:
    make_statement("stop-the-war")
    html = Client().get("/embed/stop-the-war/?lang=uk").content.decode()
    assert '<html lang="uk">' in html
    assert "Title uk" in html
    assert "/uk/stop-the-war/" in html
    # A language the statement does not have falls back to its primary language.
    assert '<html lang="en">' in Client().get("/embed/stop-the-war/?lang=xx").content.decode()


def test_a_small_count_is_fewer_than_ten_everywhere_in_the_embed() -> None:
    statement = make_statement("stop-the-war", goal=100)
    add_signatures(statement, 3, country="UA")
    html = Client().get("/embed/stop-the-war/").content.decode()
    assert "Fewer than 10 signatures" in html
    assert "<progress" not in html  # 3 % of the goal would give the 3 away
    root = ET.fromstring(Client().get("/embed/stop-the-war/badge.svg").content)  # noqa: S314
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["Title en", "Fewer than 10 signatures"]


def test_the_badge_is_an_svg_any_site_may_show() -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 1234, country="UA")
    answer = Client().get("/embed/stop-the-war/badge.svg")
    assert answer["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert answer["Cross-Origin-Resource-Policy"] == "cross-origin"
    root = ET.fromstring(answer.content)  # noqa: S314 (our own output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "1,234 signatures" in answer.content.decode()


def test_a_draft_has_no_embed() -> None:
    make_statement("a-draft", state="draft")
    assert Client().get("/embed/a-draft/").status_code == 404
    assert Client().get("/embed/a-draft/badge.svg").status_code == 404


def test_the_snippets_for_organisers_name_the_embed_badge_and_api() -> None:
    statement = make_statement("stop-the-war")
    html = render_to_string(
        "public/_embed_snippets.html", {"statement": statement, "SITE_URL": "https://s.example"}
    )
    assert '&lt;iframe src="https://s.example/embed/stop-the-war/"' in html
    assert "https://s.example/embed/stop-the-war/badge.svg" in html
    assert "https://s.example/api/v1/statements/stop-the-war/counts/" in html
    assert 'id="embed-snippets-stop-the-war"' in html
