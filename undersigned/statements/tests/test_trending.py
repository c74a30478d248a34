"""The trending report's queries find their rows through an index, not by reading every
signature (SQLite's plans; bench/scale.py shows both databases' at a million rows)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from undersigned.statements.trending import report_trending
from undersigned.test import make_statement

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="the plan text checked here is SQLite's"
    ),
]


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(row[3] for row in cursor.fetchall())


def test_no_query_of_the_report_reads_every_signature() -> None:
    make_statement()
    with CaptureQueriesContext(connection) as queries:
        report_trending(now=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    on_signatures = [
        q["sql"]
        for q in queries.captured_queries
        if "statements_signature" in q["sql"] and q["sql"].startswith(("SELECT", "UPDATE"))
    ]
    assert len(on_signatures) == 5  # two hours × two kinds, and the erasure of old sources
    for sql in on_signatures:
        found = plan(sql)
        assert "SEARCH statements_signature USING INDEX" in found, (sql, found)
        assert "SCAN statements_signature" not in found, (sql, found)
