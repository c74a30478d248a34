"""Keyset pages of the staff lists: every row once, in order, with no OFFSET."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from undersigned.control import paging
from undersigned.control.paging import count_up_to, keyset_page
from undersigned.statements.models import AuditEntry
from undersigned.statements.roles import MODERATORS, ORGANISERS
from undersigned.test import make_endorsement, make_statement, make_user, staff_client

pytestmark = pytest.mark.django_db

AUDIT = "/control/audit/"


def _entries(n: int) -> list[AuditEntry]:
    # Three rows share each timestamp: the primary key must break the ties.
    base = timezone.now() - dt.timedelta(hours=1)
    rows = [AuditEntry(action="export", at=base + dt.timedelta(seconds=i // 3)) for i in range(n)]
    AuditEntry.objects.bulk_create(rows)
    return list(AuditEntry.objects.order_by("-at", "-id"))


def _page(query: str, per_page: int = 4):  # type: ignore[no-untyped-def]
    request = RequestFactory().get(f"/x/{query}")
    return keyset_page(request, AuditEntry.objects.all(), ["-at", "-pk"], per_page)


def test_it_walks_every_row_once_forwards_and_back() -> None:
    expected = _entries(11)
    page, seen, pages = _page(""), [], []
    while True:
        seen += list(page)
        pages.append(list(page))
        if not page.has_next:
            break
        page = _page(page.next_query)
    assert seen == expected and [len(p) for p in pages] == [4, 4, 3]
    assert not _page("").has_previous and page.has_previous
    back = _page(page.previous_query)
    assert list(back) == pages[1] and back.has_next and back.has_previous
    assert list(_page(back.previous_query)) == pages[0]


def test_a_malformed_key_shows_the_first_page() -> None:
    expected = _entries(5)
    malformed = ("?after=nonsense", "?after=2026-01-01T00:00:00~x", "?before=~~")
    # A well-formed but impossible date: parse_datetime raises ValueError (was a 500).
    for query in (*malformed, "?after=2026-02-30T00:00:00~1"):
        assert list(_page(query)) == expected[:4]


def test_the_audit_log_links_to_older_entries_without_offset() -> None:
    organiser = make_user("olga", ORGANISERS)
    expected = _entries(150)
    client = staff_client(organiser)
    first = client.get(AUDIT)
    assert list(first.context["page"]) == expected[:100]
    link = first.context["page"].next_query
    assert link.startswith("?after=") and f'href="{link}"' in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        second = client.get(AUDIT + link)
    assert list(second.context["page"]) == expected[100:]
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)


def test_the_queue_keeps_its_filters_in_its_links() -> None:
    moderator = make_user("max", MODERATORS)
    statement = make_statement()
    for i in range(101):
        make_endorsement(statement, name=f"Union {i}")
    response = staff_client(moderator).get("/control/endorsements/?state=confirmed")
    page = response.context["page"]
    assert len(page) == 100 and page.count == 101 and page.has_next
    query = parse_qs(page.next_query[1:])
    assert query["state"] == ["confirmed"] and "after" in query


def test_count_up_to_reads_no_more_than_the_cap() -> None:
    _entries(5)
    assert count_up_to(AuditEntry.objects.all(), 3) == (3, True)
    assert count_up_to(AuditEntry.objects.all(), 5) == (5, False)
    with CaptureQueriesContext(connection) as queries:
        count_up_to(AuditEntry.objects.all(), 3)
    assert "LIMIT 4" in queries.captured_queries[0]["sql"]


def test_the_queue_says_more_than_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    statement = make_statement()
    for i in range(3):
        make_endorsement(statement, name=f"Union {i}")
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    response = staff_client(make_user("max", MODERATORS)).get("/control/endorsements/")
    assert "More than 2 endorsements" in response.content.decode()
    assert len(response.context["page"]) == 3
