from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from undersigned.delivery.emails import deliver_all
from undersigned.statements import retention
from undersigned.statements.models import OutboxMessage, Signature, Statement, Visibility
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def sign(statement: Statement, i: int, *, confirm: bool) -> Signature:
    signature, _ = Signature.sign(
        statement,
        language="en",
        name=f"Signer {i}",
        email=f"signer{i}@example.org",
        country="UA",
        city="Kyiv",
        visibility=Visibility.PUBLIC if i % 2 else Visibility.HIDDEN,
    )
    assert signature is not None
    if confirm:
        signature.confirm()
    return signature


def world() -> tuple[Statement, Statement]:
    """Two statements at T0: one stays open, one closes; pending and confirmed on both."""
    with time_machine.travel(T0, tick=False):
        open_one = make_statement("open-one")
        closing = make_statement("closing", retention_days=30)
        for i in range(6):
            sign(open_one, i, confirm=i % 3 == 0)
            sign(closing, 100 + i, confirm=i % 3 == 0)
        deliver_all()
        closing.close()
    return open_one, closing


def snapshot() -> list[tuple[object, ...]]:
    signatures = sorted(
        (
            s.statement.slug,
            s.status,
            s.counted,
            s.sealed is None,
            s.email_digest is None,
            s.manage_token_hash is None,
            s.public_name,
            s.public_city,
        )
        for s in Signature.objects.select_related("statement")
    )
    outbox = sorted((m.kind, m.sent_at is None) for m in OutboxMessage.objects.all())
    counts = sorted((st.slug, tuple(sorted(st.counts().items()))) for st in Statement.objects.all())
    return [*signatures, *outbox, *counts]


def test_nothing_is_purged_before_its_deadline() -> None:
    world()
    before = snapshot()
    with time_machine.travel(T0 + dt.timedelta(hours=20), tick=False):
        result = retention.purge()
    assert (result.unconfirmed, result.sealed, result.outbox) == (0, 0, 0)
    assert snapshot() == before


def test_after_seven_days_unconfirmed_and_sent_email_are_gone() -> None:
    open_one, closing = world()
    with time_machine.travel(T0 + dt.timedelta(days=7, hours=1), tick=False):
        result = retention.purge()
    # The 8 unconfirmed took their own emails with them; the 4 others were sent a week ago.
    assert result.unconfirmed == 8 and result.outbox == 4 and result.sealed == 0
    assert not Signature.objects.filter(status="pending").exists()
    assert not OutboxMessage.objects.exists()
    assert open_one.counts()["counted"] == 2 and closing.counts()["counted"] == 2
    # Still within the closed statement's 30 days: sealed data stays.
    assert not Signature.objects.filter(sealed__isnull=True).exists()


def test_after_retention_days_a_closed_statement_keeps_only_public_fields_and_counts() -> None:
    open_one, closing = world()
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        result = retention.purge()
    assert result.sealed == 2
    for signature in Signature.objects.filter(statement=closing):
        assert signature.sealed is None and signature.email_digest is None
        assert signature.manage_token_hash is None and signature.confirm_token_hash is None
    assert sorted(
        Signature.objects.filter(statement=closing).values_list("public_name", flat=True)
    ) == ["", "Signer 103"]
    assert closing.counts() == {"counted": 2, "listed": 1, "unverified": 0, "organisations": 0}
    # The open statement keeps its sealed data.
    assert not Signature.objects.filter(statement=open_one, sealed__isnull=True).exists()


def test_a_second_run_changes_nothing() -> None:
    world()
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        retention.purge()
        after_first = snapshot()
        result = retention.purge()
    assert (result.unconfirmed, result.sealed, result.outbox) == (0, 0, 0)
    assert snapshot() == after_first


@pytest.mark.parametrize("step", ["_delete_signatures", "_in_batches"])
def test_a_run_killed_halfway_then_rerun_ends_in_the_same_state(
    step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world()
    # Reference: the same world, purged in one go, in a savepoint we roll back.
    from django.db import transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
            retention.purge(batch_size=2)
            expected = snapshot()
            raise Rollback
    except Rollback:
        pass

    real = getattr(retention, step)
    calls = {"n": 0}

    def dies_after_first_batch(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # what a SIGINT or kill looks like mid-run
        return real(*args, **kwargs)

    monkeypatch.setattr(retention, step, dies_after_first_batch)
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        with pytest.raises(KeyboardInterrupt):
            retention.purge(batch_size=2)
        halfway = snapshot()
        monkeypatch.setattr(retention, step, real)
        retention.purge(batch_size=2)
    assert halfway != expected
    assert snapshot() == expected


@override_settings(UNCONFIRMED_RETENTION_DAYS=2)
def test_the_command_reports_counts_only() -> None:
    world()
    out = StringIO()
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        call_command("purge", stdout=out)
    assert "deleted 8 unconfirmed signature(s)" in out.getvalue()
    assert "@" not in out.getvalue() and "Signer" not in out.getvalue()


def test_the_worker_purges_on_its_schedule() -> None:
    world()
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        call_command("worker", once=True, stdout=StringIO())
    assert not Signature.objects.filter(status="pending").exists()


def test_an_organisations_contact_details_go_with_the_statements_retention() -> None:
    from undersigned.statements.models import Endorsement
    from undersigned.test import make_endorsement

    with time_machine.travel(T0, tick=False):
        closing = make_statement("closing-orgs", retention_days=30)
        waiting = make_endorsement(closing)
        closing.close()
    assert waiting.sealed is not None and waiting.contact_box is not None
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        retention.purge()
    waiting.refresh_from_db()
    assert waiting.sealed is None and waiting.contact_box is None
    assert Endorsement.objects.filter(pk=waiting.pk, name=waiting.name).exists()


def test_batches_read_each_row_once_even_when_it_still_matches() -> None:
    """Keyset batches: a batch starts after the last key of the one before. Re-reading the
    filter from the start made every batch rescan the rows done before it (quadratic at a
    million rows) and never ended when the action left the rows matching."""
    world()
    rows = Signature.objects.all()
    seen: list[list[int]] = []

    def count_only(pks: list[int]) -> int:
        seen.append(pks)
        if len(seen) > 50:
            raise AssertionError("the batches start again from the first row")
        return len(pks)

    assert retention._in_batches(rows, count_only, 5) == rows.count() == 12
    flat = [pk for batch in seen for pk in batch]
    assert flat == sorted(rows.values_list("pk", flat=True))


def test_a_row_changed_after_its_batch_was_found_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The batch's keys are found outside the write transaction; under the lock only the
    rows that still match are acted on (a pending signature confirmed meanwhile stays)."""
    world()
    pending = Signature.objects.filter(status="pending").order_by("pk")
    assert pending.count() == 8
    changed = pending[0].pk
    real_atomic = transaction.atomic
    state = {"done": False}

    def atomic_after_a_confirmation(*args: object, **kwargs: object) -> object:
        if not state["done"]:
            state["done"] = True
            # What a confirmation committed between the finding and the lock looks like.
            Signature.objects.filter(pk=changed).update(status="confirmed")
        return real_atomic(*args, **kwargs)

    monkeypatch.setattr(transaction, "atomic", atomic_after_a_confirmation)
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        deleted = retention.purge_unconfirmed(T0 + dt.timedelta(days=8))
    assert deleted == 7
    assert list(Signature.objects.filter(status="pending")) == []
    assert Signature.objects.filter(pk=changed, status="confirmed").exists()


def test_deleting_a_batch_does_not_load_its_rows() -> None:
    """One DELETE under the write lock, not Django's collector loading each row whole
    (sealed data and all) first: that took most of a batch's time at 100,000 rows."""
    world()
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        with CaptureQueriesContext(connection) as queries:
            deleted = retention.purge_unconfirmed(T0 + dt.timedelta(days=8))
    assert deleted == 8
    assert not Signature.objects.filter(status="pending").exists()
    assert not OutboxMessage.objects.filter(signature__isnull=True, kind="confirm").exists()
    assert not [q["sql"] for q in queries.captured_queries if '"sealed"' in q["sql"]]


def test_the_keys_of_many_batches_are_found_at_once() -> None:
    """Finding the due rows may sort all of them: done once per FOUND_PER_BATCH batches."""
    world()
    with CaptureQueriesContext(connection) as queries:
        acted = retention._in_batches(Signature.objects.all(), len, 2)
    finds = [q for q in queries.captured_queries if '"id" >' in q["sql"]]
    assert acted == 12
    assert len(finds) == 2  # the twelve keys, then none left


def test_each_batch_queues_at_the_web_writers_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite's busy handler instead, a signer lost the lock to batch after batch."""
    world()
    entered: list[int] = []
    real = retention.write_transaction

    @contextlib.contextmanager
    def gate() -> Iterator[None]:
        entered.append(1)
        with real():
            yield

    monkeypatch.setattr(retention, "write_transaction", gate)
    assert retention._in_batches(Signature.objects.all(), len, 5) == 12
    assert len(entered) == 3


def test_only_the_outbox_refers_to_a_signature() -> None:
    """_delete_signatures deletes a batch's emails, then the rows with one DELETE, past
    Django's collector: a new model that points to a signature must be handled there."""
    referrers = {
        (f.related_model.__name__, f.on_delete.__name__)
        for f in Signature._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete
    }
    assert referrers == {("OutboxMessage", "SET_NULL")}


def test_a_slow_batch_halves_the_next_and_a_quick_one_doubles_it() -> None:
    from undersigned.statements.retention import BATCH_SECONDS, _next_size

    assert _next_size(100, BATCH_SECONDS * 2, 100) == 50
    assert _next_size(1, BATCH_SECONDS * 2, 100) == 1
    assert _next_size(25, BATCH_SECONDS / 10, 100) == 50
    assert _next_size(100, BATCH_SECONDS / 10, 100) == 100
    assert _next_size(40, BATCH_SECONDS / 2, 100) == 40


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan text checked is SQLite's")
def test_under_the_lock_a_batch_reads_its_rows_again_by_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each batch looks up its keys again while it holds the write lock. With the filter
    beside the keys, SQLite took the filter's index (every pending row due, or every row
    of the statement) and walked it whole for a hundred keys: 30 to 80 ms at a million
    rows, a signer waiting all along (issue 18)."""
    world()
    under_lock: list[str] = []
    real = retention.write_transaction

    @contextlib.contextmanager
    def gate() -> Iterator[None]:
        with real(), CaptureQueriesContext(connection) as queries:
            yield
        under_lock.extend(q["sql"] for q in queries.captured_queries)

    monkeypatch.setattr(retention, "write_transaction", gate)
    with time_machine.travel(T0 + dt.timedelta(days=40), tick=False):
        result = retention.purge()
    assert result.unconfirmed == 8 and result.sealed > 0
    reads = [sql for sql in under_lock if sql.startswith("SELECT")]
    assert len(reads) >= 2
    for sql in reads:
        with connection.cursor() as cursor:
            plan = " / ".join(row[-1] for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "USING INTEGER PRIMARY KEY" in plan, plan
        assert "USING INDEX" not in plan and "SCAN" not in plan, plan


def _setting_at_each_batch(monkeypatch: pytest.MonkeyPatch, query: str) -> list[object]:
    """What QUERY reads at the end of each of the purge's write transactions."""
    during: list[object] = []
    real = retention.write_transaction

    @contextlib.contextmanager
    def gate() -> Iterator[None]:
        with real():
            yield
            with connection.cursor() as cursor:
                cursor.execute(query)
                during.append(cursor.fetchone()[0])

    monkeypatch.setattr(retention, "write_transaction", gate)
    return during


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's automatic checkpoint")
@pytest.mark.django_db(transaction=True)
def test_a_batch_commits_without_a_checkpoint_at_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit that takes the log past wal_autocheckpoint copies it back and flushes the
    disk before returning; made at the writers' gate, that held signers for up to 480 ms at
    a million rows (issue 18). The purge checkpoints between its batches instead."""
    world()
    during = _setting_at_each_batch(monkeypatch, "PRAGMA wal_autocheckpoint")
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        assert retention.purge_unconfirmed(T0 + dt.timedelta(days=8), batch_size=3) == 8
    assert during and set(during) == {0}
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 20000  # settings, as before the purge


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's commit flush")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_batch_commits_without_waiting_for_the_disk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Signers' commits queued behind each batch's flush of the log (issue 18); a batch lost
    in a crash is done again by the next run."""
    world()
    during = _setting_at_each_batch(monkeypatch, "SHOW synchronous_commit")
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        assert retention.purge_unconfirmed(T0 + dt.timedelta(days=8), batch_size=3) == 8
    assert during and set(during) == {"off"}
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # for that transaction only
