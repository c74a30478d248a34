from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from undersigned.public.tests.signers import add_signatures
from undersigned.test import make_endorsement, make_statement

pytestmark = pytest.mark.django_db


def numbers(html: str) -> set[str]:
    """The figures in the cells of HTML tables."""
    return set(re.findall(r'<td class="num">([^<]*)</td>', html))


@pytest.fixture
def statement() -> object:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 300, country="UA", when=timezone.now() - dt.timedelta(days=3))
    add_signatures(statement, 40, country="DE", when=timezone.now() - dt.timedelta(days=1))
    add_signatures(statement, 25, country="PL")
    add_signatures(statement, 3, country="FR")
    add_signatures(statement, 12, country="RU")
    return statement


def test_the_page_has_the_table_the_map_and_the_chart(statement: object) -> None:
    answer = Client().get("/en/stop-the-war/statistics/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert '<img src="map.svg"' in html
    assert '<img src="timeline.svg"' in html
    assert "<script" not in html
    assert '<th scope="row">Ukraine</th><td class="num">300</td>' in html
    assert '<th scope="row">France</th><td class="num">fewer than 10</td>' in html
    assert '<th scope="row">Other countries</th><td class="num">15</td>' in html
    assert "Russia" not in html
    assert numbers(html) <= {"300", "40", "25", "15", "fewer than 10", "380"}
    assert "Natural Earth" in html


def test_the_page_speaks_the_readers_language(statement: object) -> None:
    html = Client().get("/uk/stop-the-war/statistics/").content.decode()
    assert "Україна" in html
    assert "менше ніж 10" in html


def test_the_map_shades_only_published_countries(statement: object) -> None:
    answer = Client().get("/en/stop-the-war/statistics/map.svg")
    assert answer["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = answer.content.decode()
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert "Ukraine: 300" in titles
    assert "France: fewer than 10" in titles
    assert not [t for t in titles if t.startswith("Russia")]
    assert "Natural Earth" in svg
    assert len(answer.content) < 150_000


def test_the_chart_plots_the_running_total(statement: object) -> None:
    svg = Client().get("/en/stop-the-war/statistics/timeline.svg").content.decode()
    assert svg.startswith("<svg")
    assert ">380<" in svg  # the top of the axis: the total


def test_the_chart_ends_on_the_last_day_it_shows() -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 20, country="UA", when=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    add_signatures(statement, 20, country="UA", when=dt.datetime(2026, 12, 2, 23, tzinfo=dt.UTC))
    svg = Client().get("/en/stop-the-war/statistics/timeline.svg").content.decode()
    labels = re.findall(r'<text x="[^"]*" y="[^"]*"(?: text-anchor="end")?>([^<]*)</text>', svg)
    assert labels[:2] == ["12/01/2026", "12/02/2026"]


def test_the_table_names_the_same_utc_days_as_the_chart_in_any_time_zone() -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 20, country="UA", when=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    with override_settings(TIME_ZONE="America/New_York"):
        html = Client().get("/en/stop-the-war/statistics/").content.decode()
    assert '<th scope="row">12/01/2026</th><td class="num">20</td>' in html


def test_organisations_by_kind_and_country() -> None:
    statement = make_statement("stop-the-war")
    for i in range(11):
        make_endorsement(
            statement, name=f"Union {i}", website=f"https://u{i}.example.org/", state="approved"
        )
    html = Client().get("/en/stop-the-war/statistics/").content.decode()
    assert '<th scope="row">Trade union</th><td class="num">11</td>' in html


def test_a_small_statement_shows_nothing_to_point_at() -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 3, country="FR")
    html = Client().get("/en/stop-the-war/statistics/").content.decode()
    assert "France" not in html
    assert "Fewer than 10 signatures" in html
    assert '<td class="num">3</td>' not in html


def test_a_draft_has_no_statistics() -> None:
    make_statement("a-draft", state="draft")
    assert Client().get("/en/a-draft/statistics/").status_code == 404
    assert Client().get("/en/a-draft/statistics/map.svg").status_code == 404
