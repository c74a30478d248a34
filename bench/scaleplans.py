"""The query plans of the hot queries, for bench/scale.py (through scaledb.py `plans`).

Each hot operation is run for real (writes inside a transaction that is rolled back, with
dates chosen so that nothing is due), its SQL captured, and each distinct statement
explained: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL. A plan line with "SCAN"
(SQLite) or "Seq Scan" (PostgreSQL) on the signatures table reads every row.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from undersigned.control.figures import figures
from undersigned.control.paging import keyset_page
from undersigned.public import signers
from undersigned.statements import hotpath, retention
from undersigned.statements.counting import LISTED_Q, QUARANTINED_Q
from undersigned.statements.models import Signature, Statement
from undersigned.statements.services import reconcile
from undersigned.statements.trending import report_trending

LONG_AGO = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)
PUBLIC_COLUMNS = ("public_name", "public_city", "public_affiliation", "country", "visibility")
MAX_PAGE = 10_000  # public/views.py's bound on the page number


class Rollback(Exception):
    pass


def captured(operation: Callable[[], Any], write: bool) -> tuple[list[str], float]:
    """The SQL OPERATION runs, and the seconds it took."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        if write:
            try:
                with transaction.atomic():
                    operation()
                    raise Rollback
            except Rollback:
                pass
        else:
            operation()
        took = time.perf_counter() - started
    keep = ("SELECT", "UPDATE", "DELETE", "WITH")
    sql = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(keep)]
    return list(dict.fromkeys(sql)), took


def explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"{connection.ops.explain_prefix} {sql}")
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        depth: dict[int, int] = {}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return lines
    return [r[0] for r in rows]


def _last_of_page(listed: Any, page: int, per_page: int) -> Any:
    """The row a cursor to PAGE + 1 names (found once, with OFFSET, outside the plan)."""
    return listed[max(0, page * per_page - 1)] if page else None


def _quarantine_pages() -> Any:
    """The staff quarantine page's queries: its first page and count, then its second page."""
    rows = Signature.objects.filter(QUARANTINED_Q).select_related("statement")
    first = keyset_page(RequestFactory().get("/"), rows, ["created_at", "pk"], 100, count=True)
    request = RequestFactory().get("/" + first.next_query)
    return keyset_page(request, rows, ["created_at", "pk"], 100, count=True)


def operations(statement: Statement) -> list[tuple[str, Callable[[], Any], bool]]:
    per_page = settings.SIGNERS_PER_PAGE
    pages = max(1, -(-statement.counts()["listed"] // per_page))
    deepest = min(pages, MAX_PAGE)
    listed = (
        Signature.objects.filter(LISTED_Q, statement=statement)
        .order_by("-confirmed_at", "-id")
        .only(*PUBLIC_COLUMNS)
    )
    some_hash = "0" * 64
    deep_row = _last_of_page(listed, deepest - 1, per_page)
    export = Signature.objects.filter(
        statement=statement, sealed__isnull=False, status__in=["confirmed", "unverified"]
    ).order_by("confirmed_at", "created_at", "pk")
    return [
        ("public list, page 1", lambda: list(listed[:per_page]), False),
        (
            f"public list, deepest page ({deepest}, by key after its last row)",
            lambda: signers.page(
                statement, per_page, (deep_row.confirmed_at, deep_row.pk) if deep_row else None
            ),
            False,
        ),
        ("count (the shards)", statement.counts, False),
        (
            "confirm: the token's row",
            lambda: list(
                Signature.objects.filter(confirm_token_hash=some_hash).values(
                    "id", "statement_id", "status", "confirm_expires_at"
                )[:1]
            ),
            False,
        ),
        ("confirm: the write", lambda: hotpath.confirm(0, statement.pk, LONG_AGO), True),
        ("purge (nothing due)", lambda: retention.purge(LONG_AGO), True),
        ("reconcile", lambda: reconcile(statement), False),
        ("trending (an hour with nothing)", lambda: report_trending(now=LONG_AGO), True),
        ("export: the rows", lambda: next(export.iterator(chunk_size=100), None), False),
        (
            "staff dashboard: quarantined, today, this hour",
            figures,
            False,
        ),
        ("staff quarantine: count, pages 1 and 2 by key", _quarantine_pages, False),
    ]


def plans(statement: Statement) -> dict[str, Any]:
    found: list[dict[str, Any]] = []
    for name, operation, write in operations(statement):
        statements, took = captured(operation, write)
        found.append(
            {
                "operation": name,
                "seconds": round(took, 4),
                "queries": [{"sql": sql, "plan": explain(sql)} for sql in statements],
            }
        )
    return {"vendor": connection.vendor, "plans": found}
