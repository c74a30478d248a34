"""P9, as issue 15 states it: 3 people sign from one country and 30 from another, and no
public output (HTML, JSON, SVG, PNG text, feed) reveals the 3, not even as a difference."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from undersigned.public import sharing
from undersigned.public.tests.signers import add_signatures
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

# A fixed day and hour, so no date or time on a page can contain a 3 or a 30.
WHEN = dt.datetime(2026, 11, 10, 12, 5, tzinfo=dt.UTC)


@pytest.fixture
def statement() -> Any:
    statement = make_statement("stop-the-war", goal=None)
    add_signatures(statement, 30, country="UA", visibility=4, when=WHEN)
    add_signatures(statement, 3, country="FR", visibility=4, when=WHEN + dt.timedelta(hours=1))
    return statement


def figures_in_text(html: str) -> set[int]:
    """Every whole number a reader sees (tags and attributes removed)."""
    text = re.sub(r"<[^>]+>", " ", html)
    # Times of day and ISO timestamps (a feed's <updated>) are not counts.
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?|\d{1,2}:\d\d(?::\d\d)?", " ", text)
    return {int(n.replace(",", "")) for n in re.findall(r"(?<![\w.,])\d[\d,]*(?![\w.])", text)}


def figures_in_json(value: Any) -> set[int]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {value}
    if isinstance(value, dict):
        return set().union(*(figures_in_json(v) for v in value.values()), set())
    if isinstance(value, list):
        return set().union(*(figures_in_json(v) for v in value), set())
    return set()


def assert_hides_the_three(found: set[int], where: str) -> None:
    # 3 itself, or 30 beside the public total of 33 (33 - 30 = 3).
    assert 3 not in found and 30 not in found, f"{where} reveals the 3: {sorted(found)}"


HTML = [
    "/en/stop-the-war/",
    "/en/stop-the-war/signers/",
    "/embed/stop-the-war/?lang=uk",
    "/en/stop-the-war/statistics/",
    "/uk/stop-the-war/statistics/",
    "/en/stop-the-war/thanks/",
    "/embed/stop-the-war/",
    "/en/stop-the-war/organisations/",
    "/en/stop-the-war/organisations/feed/",
]
JSON = [
    "/api/v1/statements/",
    "/api/v1/statements/stop-the-war/",
    "/api/v1/statements/stop-the-war/counts/",
    "/api/v1/statements/stop-the-war/countries/",
    "/api/v1/statements/stop-the-war/timeline/",
    "/api/v1/statements/stop-the-war/timeline/?interval=day",
    "/api/v1/statements/stop-the-war/signers/",
    "/api/v1/statements/stop-the-war/organisations/",
    "/count/stop-the-war.json",
]
SVG = [
    "/en/stop-the-war/statistics/map.svg",
    "/en/stop-the-war/statistics/timeline.svg",
    "/embed/stop-the-war/badge.svg",
]


@pytest.mark.parametrize("url", HTML)
def test_no_page_or_feed_reveals_the_three(statement: Any, url: str) -> None:
    answer = Client().get(url)
    assert answer.status_code == 200, url
    assert_hides_the_three(figures_in_text(answer.content.decode()), url)


@pytest.mark.parametrize("url", JSON)
def test_no_json_reveals_the_three(statement: Any, url: str) -> None:
    answer = Client().get(url)
    assert answer.status_code == 200, url
    body = json.loads(answer.content)
    assert_hides_the_three(figures_in_json(body), url)
    assert "FR" not in json.dumps(body) or url.endswith("/countries/")


@pytest.mark.parametrize("url", SVG)
def test_no_svg_reveals_the_three(statement: Any, url: str) -> None:
    svg = Client().get(url).content.decode()
    texts = " ".join(re.findall(r"<(?:title|text|desc)[^>]*>([^<]*)<", svg))
    texts += " " + " ".join(re.findall(r'aria-label="([^"]*)"', svg))
    assert_hides_the_three(figures_in_text(texts), url)


def test_the_share_image_text_does_not_reveal_the_three(statement: Any) -> None:
    for language in ("en", "uk", "ru"):
        with translation.override(language):
            card = sharing.card(statement, language)
        text = f"{card.title} {card.count} {card.site} {card.progress}"
        assert_hides_the_three(figures_in_text(text.replace("127.0.0.1:8000", "")), language)
    assert Client().get("/en/stop-the-war/share.png").status_code == 200


def test_the_countries_name_france_only_as_fewer_than_ten(statement: Any) -> None:
    body = Client().get("/api/v1/statements/stop-the-war/countries/").json()
    assert body["countries"] == []
    assert body["fewer_than"] == ["FR"]
    assert body["other"] == {"value": 33, "fewer_than": None}
