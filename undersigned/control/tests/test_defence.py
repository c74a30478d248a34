"""The defence pages: quarantine and release, bulk invalidation, trending, the block list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from undersigned.control import paging
from undersigned.control.views import defence
from undersigned.lib import sealing
from undersigned.statements.models import (
    AuditEntry,
    BlockedSource,
    InvalidationBatch,
    Signature,
    Statement,
    TrendingSource,
)
from undersigned.statements.services import reconcile
from undersigned.test import make_statement, personas, staff_client

pytestmark = pytest.mark.django_db

INVALIDATE = "/control/invalidations/"
QUARANTINE = "/control/quarantine/"
BLOCKLIST = "/control/blocklist/"


@pytest.fixture
def people() -> dict[str, object]:
    return dict(personas())


def login(people: dict[str, object], who: str) -> Client:
    client: Client = staff_client(people[who])  # type: ignore[arg-type]
    return client


def signed(statement: Statement, n: int, domain: str = "bots.example") -> list[Signature]:
    made = []
    for i in range(n):
        signature, _m = Signature.sign(
            statement,
            language="en",
            name="X",
            email=f"b{i}@{domain}",
            country="UA",
            domain_digest=sealing.domain_digest(settings.DEDUP_KEY, domain),
        )
        assert signature is not None
        signature.confirm()
        made.append(signature)
    return made


def held(statement: Statement, n: int, reasons: str = "burst") -> list[Signature]:
    made = []
    for i in range(n):
        signature, _m = Signature.sign(
            statement,
            language="en",
            name="Q",
            email=f"q{i}@example.org",
            country="UA",
            quarantined=True,
            quarantine_reasons=reasons,
        )
        assert signature is not None
        signature.confirm()
        made.append(signature)
    return made


PAGES = ["/control/", QUARANTINE, INVALIDATE, "/control/trending/"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("organiser", 200), ("moderator", 200), ("stranger", 403), ("anonymous", 302)],
)
def test_who_may_open_the_moderators_pages(
    people: dict[str, object], url: str, who: str, status: int
) -> None:
    assert login(people, who).get(url).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("organiser", 200), ("moderator", 403), ("stranger", 403), ("anonymous", 302)],
)
def test_only_organisers_manage_the_block_list(
    people: dict[str, object], who: str, status: int
) -> None:
    assert login(people, who).get(BLOCKLIST).status_code == status


def test_quarantined_signatures_show_their_reasons_and_release_one_or_many(
    people: dict[str, object],
) -> None:
    statement = make_statement()
    a, b, c = held(statement, 3, reasons="burst,disposable")
    client = login(people, "moderator")
    html = client.get(QUARANTINE).content.decode()
    assert html.count("burst,disposable") == 3 and "q0@example.org" not in html
    assert client.get("/control/").context["figures"].quarantined == 3
    # The row's own button releases that one, even with other boxes ticked.
    response = client.post(QUARANTINE, {"one": a.pk, "ids": [b.pk]})
    assert response.status_code == 302
    assert statement.counts()["counted"] == 1
    response = client.post(QUARANTINE, {"ids": [b.pk, c.pk]})
    assert response.status_code == 302
    assert statement.counts()["counted"] == 3 and not reconcile(statement).drift
    assert AuditEntry.objects.filter(reason="released from quarantine").count() == 3
    assert client.post(QUARANTINE, {"ids": [a.pk]}).status_code == 400
    assert client.post(QUARANTINE, {}).status_code == 400


def test_the_quarantine_page_lists_the_releasable_oldest_first_page_by_page(
    people: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = held(make_statement(), 7)
    rows[1].withdraw()
    Signature.objects.filter(pk=rows[3].pk).update(invalidated_at=timezone.now())
    expected = [row.pk for i, row in enumerate(rows) if i not in (1, 3)]
    monkeypatch.setattr(defence, "PAGE", 2)
    client = login(people, "moderator")
    seen, query = [], ""
    with CaptureQueriesContext(connection) as queries:
        while True:
            page = client.get(QUARANTINE + query).context["page"]
            seen.append([row.pk for row in page])
            if not page.has_next:
                break
            query = page.next_query
    assert seen == [expected[:2], expected[2:4], expected[4:]]
    assert (page.count, page.count_more) == (5, False)
    assert not any("OFFSET" in q["sql"] for q in queries.captured_queries)
    back = client.get(QUARANTINE + page.previous_query).context["page"]
    assert [row.pk for row in back] == expected[2:4]


def test_the_quarantine_page_and_the_dashboard_count_up_to_a_cap(
    people: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    held(make_statement(), 3)
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    client = login(people, "moderator")
    html = client.get(QUARANTINE).content.decode()
    assert "More than 2 signatures wait for release" in html and html.count('name="one"') == 3
    home = client.get("/control/").content.decode()
    assert "Quarantined, waiting for release</a></dt><dd>more than 2</dd>" in home


def executed(get: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL and parameters GET sends, as the database saw them (not interpolated)."""
    found: list[tuple[str, Any]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        found.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        get()
    return found


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan text checked is SQLite's")
def test_a_quarantine_page_reads_only_its_own_index(
    people: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page 2 is searched from its key and the count reads the partial index, where the
    page read, counted and sorted every signature (876-962 ms at a million; issue 18)."""
    held(make_statement(), 3)
    monkeypatch.setattr(defence, "PAGE", 2)
    client = login(people, "moderator")
    link = client.get(QUARANTINE).context["page"].next_query
    sent = executed(lambda: client.get(QUARANTINE + link))
    plans = []
    with connection.cursor() as cursor:
        for sql, params in sent:
            if '"statements_signature"' in sql:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plans.append("\n".join(row[3] for row in cursor.fetchall()))
    assert len(plans) == 2, plans  # the page from its key, and the count
    assert "SEARCH statements_signature USING INDEX quarantine_waiting (created_at>?)" in plans[0]
    assert "quarantine_waiting" in plans[1], plans[1]
    assert not any("TEMP B-TREE" in plan for plan in plans), plans


def test_a_moderator_dry_runs_then_applies_then_undoes(people: dict[str, object]) -> None:
    statement = make_statement()
    signed(statement, 3)
    client = login(people, "moderator")
    form = {"statement": statement.slug, "domain": "bots.example", "reason": "flood"}
    response = client.post(INVALIDATE, {**form, "dry_run": "1"})
    assert "Dry run: 3 signature(s) would be invalidated; 3 of them count now." in (
        response.content.decode()
    )
    assert 'name="apply"' in response.content.decode()
    assert statement.counts()["counted"] == 3
    response = client.post(INVALIDATE, {**form, "apply": "1"})
    assert response.status_code == 302
    batch = InvalidationBatch.objects.get()
    assert batch.size == 3 and batch.created_by == "max@example.org"
    assert statement.counts()["counted"] == 0 and not reconcile(statement).drift
    assert client.post(f"{INVALIDATE}{batch.pk}/undo/").status_code == 302
    assert statement.counts()["counted"] == 3 and not reconcile(statement).drift
    response = client.post(f"{INVALIDATE}{batch.pk}/undo/", follow=True)
    assert "already undone" in response.content.decode()
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["invalidate", "edit"]


def test_bad_criteria_get_a_clear_message(people: dict[str, object]) -> None:
    statement = make_statement()
    client = login(people, "moderator")
    response = client.post(INVALIDATE, {"statement": statement.slug, "apply": "1", "reason": "r"})
    assert response.status_code == 400
    assert "Give at least one criterion" in response.content.decode()
    response = client.post(INVALIDATE, {"statement": statement.slug, "since": "soon"})
    assert "Enter a valid date/time." in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("domain", "@Bots.Example", "bots.example"),
        ("network", "192.0.2.7/24", "192.0.2.0/24"),
        (
            "address",
            "Eve@Example.org",
            sealing.email_digest(settings.DEDUP_KEY, 0, "eve@example.org"),
        ),
    ],
)
def test_block_entries_are_normalised_and_addresses_digested(
    people: dict[str, object], kind: str, value: str, stored: str
) -> None:
    client = login(people, "organiser")
    response = client.post(BLOCKLIST, {"kind": kind, "value": value, "note": ""})
    assert response.status_code == 302
    entry = BlockedSource.objects.get()
    assert entry.value == stored and "eve@" not in entry.value.lower()
    assert AuditEntry.objects.get().reason == "added to the block list"
    assert client.post(f"{BLOCKLIST}{entry.pk}/delete/").status_code == 302
    assert not BlockedSource.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("domain", "not a domain", "Enter a domain such as example.org."),
        ("address", "nope", "Enter a valid email address."),
        ("network", "300.1.1.1/8", "Enter an address or range such as 203.0.113.0/24."),
    ],
)
def test_bad_block_entries_are_explained(
    people: dict[str, object], kind: str, value: str, message: str
) -> None:
    response = login(people, "organiser").post(BLOCKLIST, {"kind": kind, "value": value})
    assert response.status_code == 400 and message in response.content.decode()


def test_a_second_identical_block_is_explained(people: dict[str, object]) -> None:
    client = login(people, "organiser")
    client.post(BLOCKLIST, {"kind": "domain", "value": "x.example"})
    response = client.post(BLOCKLIST, {"kind": "domain", "value": "X.example"})
    assert response.status_code == 400 and "already" in response.content.decode()


def test_moderators_see_trending_sources_with_a_link_to_act(people: dict[str, object]) -> None:
    statement = make_statement()
    TrendingSource.objects.create(
        statement=statement,
        hour=dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC),
        kind="client",
        digest="f" * 32,
        signatures=40,
    )
    body = login(people, "moderator").get("/control/trending/").content.decode()
    assert "f" * 32 in body and "source=" + "f" * 32 in body
    assert "statement=stop-the-war" in body
