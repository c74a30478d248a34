"""Issue 14, item 2: signing again with an address tells a prober nothing, by answer or time,
and costs the owner neither their links nor more than one email a day."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client

from undersigned.delivery.emails import deliver_all
from undersigned.lib.pacing import Pace
from undersigned.statements.models import OutboxMessage, Signature, Statement
from undersigned.statements.models import signature as signature_module
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def sign(statement: Statement, email: str) -> tuple[Signature | None, OutboxMessage | None]:
    return Signature.sign(statement, language="en", name="Anna", email=email, country="UA")


def links(message: mail.EmailMessage) -> set[str]:
    return set(re.findall(r"/en/(?:confirm|manage)/[A-Za-z0-9_-]{32}/", message.body))


def test_probes_revoke_no_link_and_mail_the_owner_once_a_day() -> None:
    statement = make_statement()
    owner, first = sign(statement, "anna@example.org")
    assert owner is not None and first is not None
    tokens = first.open_payload()
    deliver_all()
    for _ in range(5):
        assert sign(statement, "anna@example.org")[0] is None
    deliver_all()
    assert [m.subject for m in mail.outbox].__len__() == 2, "one confirmation, one notice"
    assert links(mail.outbox[1]) == links(mail.outbox[0]), "the links the owner already has"
    client = Client()
    assert client.get(f"/en/manage/{tokens['manage_token']}/").status_code == 200
    assert client.get(f"/en/confirm/{tokens['confirm_token']}/").status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)):
        sign(statement, "anna@example.org")
        deliver_all()
    assert len(mail.outbox) == 3, "a day later, one more"
    assert OutboxMessage.objects.filter(sent_at__isnull=True, payload__isnull=False).count() == 0


def test_after_confirming_the_notice_carries_only_the_withdraw_link() -> None:
    statement = make_statement()
    owner, _first = sign(statement, "anna@example.org")
    assert owner is not None
    owner.confirm()
    deliver_all()
    sign(statement, "anna@example.org")
    deliver_all()
    assert [link.split("/")[2] for link in links(mail.outbox[1])] == ["manage"]


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """Every SQL statement the database runs, values left out (SQLite's trace hook)."""
    seen: list[str] = []
    connection.ensure_connection()
    raw = connection.connection
    raw.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        raw.set_trace_callback(None)


def shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+(\.\d+)?\b|X'[0-9A-F]*'|\"s\d+_x\d+\"|\bNULL\b", "?", sql)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statement trace")
def test_a_second_signature_runs_the_very_statements_of_a_first() -> None:
    statement = make_statement()
    sign(statement, "warm@example.org")  # plans and caches made
    with statements_run() as new:
        sign(statement, "anna@example.org")
    with statements_run() as again:
        sign(statement, "anna@example.org")
    assert new and [shape(s) for s in again] == [shape(s) for s in new]


def test_a_second_signature_takes_the_time_of_a_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signature_module, "SIGN_PACE", Pace())  # this test's timings only
    statement = make_statement()
    for n in range(20):  # warm up
        sign(statement, f"warm{n}@example.org")
    sign(statement, "taken@example.org")
    new, again = [], []
    for n in range(100):  # interleaved, so a slow moment of the machine hits both
        start = time.perf_counter()
        sign(statement, f"fresh{n}@example.org")
        new.append(time.perf_counter() - start)
        start = time.perf_counter()
        sign(statement, "taken@example.org")
        again.append(time.perf_counter() - start)
    ratio = statistics.median(again) / statistics.median(new)
    print(
        f"median new {statistics.median(new) * 1e3:.2f} ms, again "
        f"{statistics.median(again) * 1e3:.2f} ms, ratio {ratio:.2f}"
    )
    assert 0.75 < ratio < 1.3, ratio
