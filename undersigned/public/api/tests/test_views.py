from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from undersigned.public.tests.signers import add_signatures
from undersigned.test import make_endorsement, make_statement

pytestmark = pytest.mark.django_db

API = "/api/v1/statements"


def test_it_lists_published_statements_only() -> None:
    make_statement("stop-the-war")
    make_statement("a-draft", state="draft")
    answer = Client().get(f"{API}/")
    assert answer.status_code == 200
    assert [s["slug"] for s in answer.json()["statements"]] == ["stop-the-war"]


def test_one_statement_has_its_texts_and_versions() -> None:
    make_statement("stop-the-war", languages=("en", "uk"))
    body = Client().get(f"{API}/stop-the-war/").json()
    assert set(body["texts"]) == {"en", "uk"}
    assert body["texts"]["uk"]["title"] == "Title uk"
    assert body["texts"]["en"]["demands"] == ["Demand one en", "Demand two en"]
    assert [(v["language"], v["number"]) for v in body["versions"]] == [("en", 1), ("uk", 1)]


def test_a_draft_or_unknown_statement_is_a_json_404() -> None:
    make_statement("a-draft", state="draft")
    for slug in ("a-draft", "nothing-here", "not a slug"):
        answer = Client().get(f"{API}/{slug}/counts/")
        assert answer.status_code == 404
        assert answer.json() == {"error": "Not found."}


def test_every_answer_has_etag_cache_control_and_open_cors() -> None:
    make_statement("stop-the-war")
    answer = Client().get(f"{API}/stop-the-war/counts/")
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert answer["Cache-Control"] == "public, max-age=60"
    assert answer["ETag"].startswith('"')
    again = Client().get(f"{API}/stop-the-war/counts/", HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == answer["ETag"]


def test_a_preflight_allows_get_from_anywhere() -> None:
    answer = Client().options(f"{API}/")
    assert answer.status_code == 204
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert "GET" in answer["Access-Control-Allow-Methods"]
    assert Client().post(f"{API}/").status_code == 405


def test_counts_below_the_threshold_are_not_published() -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 3, country="UA")
    body = Client().get(f"{API}/stop-the-war/counts/").json()
    assert body["confirmed"] == {"value": None, "fewer_than": 10}
    assert body["by_version"]["other"] == {"value": None, "fewer_than": 10}


def test_counts_at_the_threshold_are_published() -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 12, country="UA")
    body = Client().get(f"{API}/stop-the-war/counts/").json()
    assert body["confirmed"] == {"value": 12, "fewer_than": None}
    assert body["by_version"]["versions"] == [
        {"language": "en", "number": 1, "confirmed": {"value": 12, "fewer_than": None}}
    ]


def test_countries_never_reveal_a_small_group_or_a_hidden_country() -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 300, country="UA")
    add_signatures(statement, 40, country="DE")
    add_signatures(statement, 25, country="PL")
    add_signatures(statement, 3, country="FR")
    add_signatures(statement, 12, country="RU")
    body = Client().get(f"{API}/stop-the-war/countries/").json()
    assert body["countries"] == [
        {"country": "UA", "confirmed": 300},
        {"country": "DE", "confirmed": 40},
        {"country": "PL", "confirmed": 25},
    ]
    assert body["fewer_than"] == ["FR"]
    assert body["other"] == {"value": 15, "fewer_than": None}  # FR and RU, together
    assert "RU" not in str(body)


def test_the_timeline_merges_small_hours() -> None:
    statement = make_statement("stop-the-war")
    start = timezone.now().replace(minute=5, second=0, microsecond=0) - dt.timedelta(hours=5)
    add_signatures(statement, 4, country="UA", when=start)
    add_signatures(statement, 8, country="UA", when=start + dt.timedelta(hours=1))
    add_signatures(statement, 20, country="UA", when=start + dt.timedelta(hours=3))
    add_signatures(statement, 2, country="UA", when=start + dt.timedelta(hours=4))
    hourly = Client().get(f"{API}/stop-the-war/timeline/").json()
    assert [b["confirmed"] for b in hourly["buckets"]] == [12, 22]
    hour = start.replace(minute=0)
    assert hourly["buckets"][0]["start"] == hour.isoformat().replace("+00:00", "Z")
    daily = Client().get(f"{API}/stop-the-war/timeline/?interval=day").json()
    assert sum(b["confirmed"] for b in daily["buckets"]) == 34
    assert Client().get(f"{API}/stop-the-war/timeline/?interval=week").status_code == 400


def test_signers_are_paged_by_keyset_and_show_only_what_each_made_public() -> None:
    statement = make_statement("stop-the-war")
    base = timezone.now() - dt.timedelta(hours=1)
    for i in range(5):
        add_signatures(
            statement, 1, country="UA", visibility=1, name=f"P{i}", when=base + dt.timedelta(i)
        )
    add_signatures(statement, 4, country="UA", visibility=4, when=base)
    first = Client().get(f"{API}/stop-the-war/signers/?limit=2").json()
    assert [s["name"] for s in first["signers"]] == ["P4 0", "P3 0"]
    assert first["signers"][0] == {"name": "P4 0", "country": "UA", "city": "", "affiliation": ""}
    second = Client().get(first["next"].removeprefix("http://127.0.0.1:8000")).json()
    third = Client().get(second["next"].removeprefix("http://127.0.0.1:8000")).json()
    assert [s["name"] for s in second["signers"] + third["signers"]] == ["P2 0", "P1 0", "P0 0"]
    assert third["next"] is None


def test_a_forged_cursor_is_refused() -> None:
    make_statement("stop-the-war")
    for cursor in ("abc", "A" * 80, "%%%"):
        answer = Client().get(f"{API}/stop-the-war/signers/", {"cursor": cursor})
        assert answer.status_code == 400
    assert Client().get(f"{API}/stop-the-war/signers/?limit=0").status_code == 400


def test_approved_organisations_only() -> None:
    statement = make_statement("stop-the-war")
    make_endorsement(statement, name="Union of Teachers", state="approved")
    make_endorsement(statement, name="Waiting Org", state="confirmed")
    body = Client().get(f"{API}/stop-the-war/organisations/").json()
    assert [o["name"] for o in body["organisations"]] == ["Union of Teachers"]


def test_answers_are_served_from_the_cache(django_assert_num_queries: object) -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 12, country="UA")
    Client().get(f"{API}/stop-the-war/countries/")
    with django_assert_num_queries(0):  # type: ignore[operator]
        Client().get(f"{API}/stop-the-war/countries/")


def test_made_up_parameters_share_one_cache_entry(django_assert_num_queries: object) -> None:
    make_statement("stop-the-war")
    Client().get(f"{API}/stop-the-war/countries/")
    with django_assert_num_queries(0):  # type: ignore[operator]
        for i in range(5):
            assert Client().get(f"{API}/stop-the-war/countries/?x={i}").status_code == 200
