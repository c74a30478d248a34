"""Retention (P8): what is past its deadline is deleted, in small batches.

Each batch is its own transaction and each function only selects rows that still need
work, so a run killed at any point leaves finished batches done and the rest untouched;
the next run picks up where it stopped and a run with nothing to do changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from undersigned.backends.writegate import write_transaction
from undersigned.statements import paper
from undersigned.statements.models import (
    LINKING_FIELDS,
    Endorsement,
    OutboxMessage,
    Signature,
    Statement,
    forget_deleted_pages,
)

log = logging.getLogger(__name__)

# Everything that links a row to a person goes; the public fields and counts stay.
UNLINKED = dict.fromkeys(LINKING_FIELDS)

# A batch is what one write transaction deletes or rewrites. Its rows lie all over the
# hash indexes (email digest, tokens), so each row dirties pages of its own. Purging at
# 160,000 signatures, a batch of 500 held the write lock 15 ms at the median and up to
# 470 ms; a batch of 100, 4 ms and up to 210 ms (one in ten over 26 ms).
BATCH_SIZE = 100
FOUND_PER_BATCH = 50
# Each batch aims to hold the write lock no longer than this: a batch that took longer
# halves the next one, one well under it lets the next grow back towards BATCH_SIZE (issue
# 18: a signer waiting behind the purge must wait under 100 ms).
BATCH_SECONDS = 0.02
# After each batch the purge steps aside for as long as the batch held the lock (at least
# this), so that signers queued at the gate in other processes, which look at its lock
# every 50 µs to 1 ms, get in before the next batch takes it again.
YIELD_SECONDS = 0.002
# On SQLite the purge copies the write-ahead log back itself, between batches, at most this
# often (as the web's checkpoint thread does, lib/checkpointer.py).
CHECKPOINT_SECONDS = 0.25
# Sent and failed emails keep no address (erased when sent), only when and what kind;
# a day is enough to look into a delivery problem.
OUTBOX_KEEP = dt.timedelta(days=1)


@dataclass
class PurgeResult:
    unconfirmed: int = 0
    sealed: int = 0
    outbox: int = 0

    def __str__(self) -> str:
        return (
            f"deleted {self.unconfirmed} unconfirmed signature(s), "
            f"removed sealed data of {self.sealed} signature(s), "
            f"deleted {self.outbox} finished email(s)"
        )


def _in_batches(queryset: QuerySet, act: Callable[[list[int]], int], batch_size: int) -> int:
    """Run ACT on the rows of QUERYSET, BATCH_SIZE primary keys at a time, in pk order.

    Keyset: each search starts after the last key of the one before, so a million rows are
    read once in all, not re-read from the start by every batch (the rows a batch acted on
    may still match the filter). The keys are found outside any transaction (on SQLite in
    WAL mode a read blocks no writer; with IMMEDIATE transactions a read inside one would
    hold the write lock while it scans), FOUND_PER_BATCH batches' worth at a time, since
    finding them may mean sorting every row due. Only each batch itself holds the lock,
    and reads its keys again under it, so only rows that still match are acted on.
    """
    done, last, size = 0, 0, batch_size
    with _checkpoints_between_batches() as checkpoint:
        while True:
            found = list(
                queryset.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[: batch_size * FOUND_PER_BATCH]
            )
            if not found:
                return done
            start = 0
            while start < len(found):
                seen = found[start : start + size]
                start += len(seen)
                held = _batch(queryset, act, seen)
                done += held[0]
                if connection.vendor == "sqlite":  # PostgreSQL locks rows, not the database
                    size = _next_size(size, held[1], batch_size)
                    checkpoint()
                    time.sleep(max(held[1], YIELD_SECONDS))
            last = found[-1]


@contextmanager
def _checkpoints_between_batches() -> Iterator[Callable[[], None]]:
    """On SQLite, no automatic checkpoint in the purge's own commits, and a PASSIVE one
    between batches instead, outside the writers' gate.

    The automatic one (wal_autocheckpoint, settings) runs in the commit that takes the log
    past its threshold, and the batch's commit is made at the gate: at a million rows it
    copied 80 MB back and flushed the disk there, holding signers for up to 480 ms (issue
    18). A PASSIVE checkpoint takes no lock a writer waits for.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield lambda: None
        return
    last = time.monotonic()

    def checkpoint() -> None:
        nonlocal last
        if time.monotonic() - last >= CHECKPOINT_SECONDS:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            last = time.monotonic()

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        pages = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield checkpoint
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={pages}")


def _batch(
    queryset: QuerySet, act: Callable[[list[int]], int], seen: list[int]
) -> tuple[int, float]:
    """ACT on the keys of SEEN that still match, in one write transaction: (rows, seconds)."""
    began = time.monotonic()
    # Through the web writers' gate: waiting on SQLite's busy handler instead, the signers
    # lost the lock to batch after batch (it wakes a waiter 1, 2, 5 … 100 ms later) and
    # waited for up to a second behind a purge of 4 ms batches.
    with write_transaction():
        if connection.vendor == "postgresql":
            _commit_without_waiting_for_the_disk()
        # Read again under the lock, by key: a row may have changed since (a pending
        # signature confirmed), and only rows that still match are acted on.
        still = list(_still_matching(queryset, seen).values_list("pk", flat=True))
        done = act(still) if still else 0
    return done, time.monotonic() - began


def _commit_without_waiting_for_the_disk() -> None:
    """PostgreSQL: this transaction's commit does not flush the write-ahead log.

    Signers' commits queued behind each batch's flush (traced at 1M rows: their insert
    waited on WALSync and WALWrite, and up to 470 ms). A batch lost in a crash is done
    again by the next run, which is what a purge is made for; the signers' own commits,
    which flush the log, still carry the batches committed before them to the disk.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def _still_matching(queryset: QuerySet, seen: list[int]) -> QuerySet:
    """The rows of SEEN that QUERYSET still matches, looked up by their keys.

    Not `queryset.filter(pk__in=seen)`: SQLite, which keeps no statistics here, then took
    the filter's own index (by_status_created: status = pending, created before the cutoff)
    and walked every row due to find the hundred asked for, 30 to 80 ms at a million rows
    on a quiet machine and up to 200 ms under load, all of it holding the write lock
    (issue 18). As a correlated EXISTS the filter is checked on each key's row alone.
    """
    model = queryset.model
    matches = queryset.filter(pk=OuterRef("pk"))
    return model._base_manager.filter(pk__in=seen).filter(Exists(matches)).order_by("pk")


def _next_size(size: int, seconds: float, ceiling: int) -> int:
    if seconds > BATCH_SECONDS:
        return max(1, size // 2)
    if seconds < BATCH_SECONDS / 4:
        return min(ceiling, size * 2)
    return size


def _delete_signatures(pks: list[int]) -> int:
    # Unsent emails for them would carry a dead link, and their encrypted address.
    OutboxMessage.objects.filter(signature_id__in=pks).delete()
    # With their emails gone nothing refers to them, so one DELETE does: Django's collector
    # would first load every row whole (sealed data and all) to null the emails' links,
    # which took four to six times as long under the write lock.
    rows = Signature.objects.filter(pk__in=pks, counted=False)
    return int(rows._raw_delete(rows.db))


def purge_unconfirmed(now: dt.datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete signatures never confirmed within UNCONFIRMED_RETENTION_DAYS."""
    cutoff = now - dt.timedelta(days=settings.UNCONFIRMED_RETENTION_DAYS)
    due = Signature.objects.filter(
        status=Signature.Status.PENDING, counted=False, created_at__lt=cutoff
    )
    return _in_batches(due, _delete_signatures, batch_size)


def retention_deadline(statement: Statement) -> dt.datetime | None:
    """When a statement's sealed personal data goes: retention_days after it closed."""
    closed = statement.closed_at
    if closed is None and statement.closes_on is not None:
        # Past its closing date it takes no signatures, even if nobody pressed "close".
        closed = dt.datetime.combine(
            statement.closes_on + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
        )
    if closed is None:
        return None
    return closed + dt.timedelta(days=statement.retention_days)


def purge_sealed(now: dt.datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete the sealed personal data of statements closed longer than they keep it."""
    done = 0
    for statement in Statement.objects.exclude(state=Statement.State.DRAFT):
        deadline = retention_deadline(statement)
        if deadline is None or deadline > now:
            continue
        linked = Q()
        for name in LINKING_FIELDS:
            linked |= Q(**{f"{name}__isnull": False})
        rows = Signature.objects.filter(statement=statement).filter(linked)
        done += _in_batches(
            rows,
            lambda pks: Signature.objects.filter(pk__in=pks).update(
                **dict.fromkeys(LINKING_FIELDS)
            ),
            batch_size,
        )
        # Organisations' contacts too: their sealed details and, for one still awaiting a
        # decision, the server-encrypted address kept to tell them the outcome.
        contacts = Endorsement.objects.filter(statement=statement).filter(
            Q(sealed__isnull=False) | Q(contact_box__isnull=False)
        )
        done += _in_batches(
            contacts,
            lambda pks: Endorsement.objects.filter(pk__in=pks).update(
                sealed=None, contact_box=None
            ),
            batch_size,
        )
        done += paper.purge_sealed(statement)
        # Any email still queued for it would carry an address; nothing needs sending now.
        OutboxMessage.objects.filter(statement=statement, payload__isnull=False).delete()
    return done


def purge_outbox(now: dt.datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete sent and given-up emails after a day."""
    cutoff = now - OUTBOX_KEEP
    finished = OutboxMessage.objects.filter(Q(sent_at__lt=cutoff) | Q(failed_at__lt=cutoff))
    return _in_batches(
        finished,
        lambda pks: OutboxMessage.objects.filter(pk__in=pks).delete()[0],
        batch_size,
    )


def purge(now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> PurgeResult:
    now = now or timezone.now()
    result = PurgeResult(
        unconfirmed=purge_unconfirmed(now, batch_size),
        sealed=purge_sealed(now, batch_size),
        outbox=purge_outbox(now, batch_size),
    )
    # Always: a checkpoint after an erasure may have found readers in the way.
    forget_deleted_pages()
    # Counts only: the log must name nobody.
    log.info("purge: %s", result)
    return result
