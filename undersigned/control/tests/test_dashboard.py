"""The control home answers "how are we doing?" and warns when the email worker stopped."""

from __future__ import annotations

import io
import itertools
import time
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from undersigned.control.figures import figures
from undersigned.delivery.heartbeat import HEARTBEAT_KEY
from undersigned.statements.models import OutboxMessage, Signature
from undersigned.statements.roles import MODERATORS
from undersigned.test import make_endorsement, make_statement, make_user, staff_client

pytestmark = pytest.mark.django_db
SERIAL = itertools.count()


def sign(statement: object, n: int, **extra: object) -> None:
    for _i in range(n):
        signature, _m = Signature.sign(
            statement,  # type: ignore[arg-type]
            language="en",
            name="S",
            email=f"s{next(SERIAL)}@example.org",
            country="UA",
            **extra,  # type: ignore[arg-type]
        )
        assert signature is not None
        signature.confirm()


def test_the_figures_count_what_the_campaign_has() -> None:
    statement = make_statement()
    with time_machine.travel("2026-12-01 09:00Z"):
        sign(statement, 2)
    with time_machine.travel("2026-12-02 08:00Z"):
        sign(statement, 1)
    with time_machine.travel("2026-12-02 09:50Z"):
        sign(statement, 1)
        sign(statement, 2, quarantined=True)
    make_endorsement(statement)
    OutboxMessage.objects.all().delete()
    waiting, sent, failed = (
        OutboxMessage.queue("digest", to=f"m{i}@example.org", language="en") for i in range(3)
    )
    OutboxMessage.objects.filter(pk=sent.pk).update(sent_at="2026-12-02T09:00Z")
    OutboxMessage.objects.filter(pk=failed.pk).update(failed_at="2026-12-02T09:00Z")
    with time_machine.travel("2026-12-02 10:00Z"):
        found = figures()
    assert (found.counted, found.quarantined, found.today, found.this_hour) == (4, 2, 4, 3)
    assert found.endorsements_waiting == 1
    assert (found.emails_waiting, found.emails_failed) == (1, 1)


def test_the_home_page_warns_when_the_worker_is_not_running() -> None:
    client = staff_client(make_user("max", MODERATORS))
    cache.delete(HEARTBEAT_KEY)
    html = client.get("/control/").content.decode()
    assert "The email worker is not running." in html and "It has never reported." in html
    call_command("worker", "--once", "--purge-every", "0", stdout=io.StringIO())
    html = client.get("/control/").content.decode()
    assert "The email worker is not running." not in html
    with time_machine.travel(time.time() + 600):
        html = client.get("/control/").content.decode()
    assert "The email worker is not running." in html and "It was last seen 10" in html


def test_the_home_page_says_signatures_wait_for_release() -> None:
    sign(make_statement(), 2, quarantined=True)
    html = staff_client(make_user("max", MODERATORS)).get("/control/").content.decode()
    assert '<a href="/control/quarantine/">Quarantined, waiting for release</a></dt><dd>2</dd>' in (
        html
    )


def test_the_menu_leads_to_every_moderators_page() -> None:
    html = staff_client(make_user("max", MODERATORS)).get("/control/").content.decode()
    for url in ("endorsements", "quarantine", "invalidations", "trending", "witnesses"):
        assert f'<a href="/control/{url}/"' in html, url
    assert '<a href="/control/blocklist/"' not in html  # organisers only


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan text checked is SQLite's")
def test_no_figure_reads_every_signature_or_every_email() -> None:
    """Each count goes through an index: one aggregate over the outbox read every email
    kept (a day of them, one or more per signature; issue 18)."""
    statement = make_statement()
    sign(statement, 2)
    sign(statement, 1, quarantined=True)
    sent: list[tuple[str, object]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        figures()
    tables = ("statements_signature", "delivery_outboxmessage")
    checked = 0
    with connection.cursor() as cursor:
        for sql, params in sent:
            if any(f'"{table}"' in sql for table in tables):
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = [row[3] for row in cursor.fetchall()]
                assert not [
                    line
                    for line in plan
                    if line.startswith("SCAN") and " USING " not in line and "subquery" not in line
                ], (sql, plan)
                checked += 1
    assert checked == 5  # quarantined, today, this hour, emails waiting and failed
