from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from undersigned.public import aggregates
from undersigned.public.tests.signers import add_signatures
from undersigned.statements.caches import aggregate_key
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 11, 10, 12, 5, 30, tzinfo=dt.UTC)


def test_hours_are_utc_hours() -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 2, country="UA", when=WHEN)
    add_signatures(statement, 3, country="UA", when=WHEN + dt.timedelta(minutes=55))
    assert aggregates._by_hour(statement.pk) == [
        (dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC), 2),
        (dt.datetime(2026, 11, 10, 13, tzinfo=dt.UTC), 3),
    ]


def test_an_aggregate_is_one_query_a_minute(django_assert_num_queries: object) -> None:
    statement = make_statement("stop-the-war")
    add_signatures(statement, 12, country="UA")
    with time_machine.travel(WHEN, tick=False) as clock:
        with django_assert_num_queries(1):  # type: ignore[operator]
            aggregates.countries(statement)
        add_signatures(statement, 12, country="PL")
        with django_assert_num_queries(0):  # type: ignore[operator]
            assert aggregates.countries(statement).shown == [("UA", 12)]
        clock.shift(61)
        with django_assert_num_queries(1):  # type: ignore[operator]
            assert aggregates.countries(statement).shown == [("PL", 12), ("UA", 12)]


def test_a_slow_aggregate_is_recomputed_less_often() -> None:
    statement = make_statement("stop-the-war")
    with time_machine.travel(WHEN, tick=False) as clock:
        # As if the last computation had taken 10 s: fresh for 200 s, not 60.
        cache.set(aggregate_key("country", statement.pk), (WHEN.timestamp(), 10.0, {"UA": 40}))
        clock.shift(150)
        assert aggregates.countries(statement).shown == [("UA", 40)]
        clock.shift(60)
        assert aggregates.countries(statement).withheld  # recomputed: no rows


def test_one_request_recomputes_while_the_others_serve_the_copy() -> None:
    statement = make_statement("stop-the-war")
    with time_machine.travel(WHEN, tick=False) as clock:
        cache.set(aggregate_key("country", statement.pk), (WHEN.timestamp(), 0.1, {"UA": 40}))
        clock.shift(61)
        # Another request holds the lock: this one serves the stale copy.
        cache.add(f"aggregate-lock:v1:country:{statement.pk}", 1, 60)
        assert aggregates.countries(statement).shown == [("UA", 40)]
