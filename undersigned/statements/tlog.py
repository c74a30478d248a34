"""The count log of each public statement (issue 17, promise P10).

The worker calls ``tick()``: for each public statement it appends a leaf for every change in
which signatures count, found by comparing the committed rows with what the log already
says, then signs a checkpoint if the log grew. Both steps are idempotent and run in one
transaction each, so a crash at any point only delays leaves, never loses or doubles them
(a second worker racing for the same index fails on the unique index and retries later).
Signing never waits for the log.

The formats are standard (lib/tlog): entries in lib/tlog/countlog.py, RFC 9162 hashing,
C2SP checkpoints, signed notes, cosignatures and tiles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from undersigned.lib.tlog import countlog, merkle, note, tiles
from undersigned.lib.tlog.checkpoint import Checkpoint
from undersigned.statements import caches
from undersigned.statements.counting import COUNTED_Q, UNVERIFIED_Q
from undersigned.statements.models import (
    PaperBatch,
    Signature,
    Statement,
    StatementVersion,
)
from undersigned.statements.models.tlog import LogCheckpoint, LogLeaf

MAX_LEAVES_PER_TICK = 5000
PUBLISHED_SECONDS = 5  # how long what the log publishes is kept in the shared cache
NO_TEXT = "0" * 64  # the primary text of that version is gone
PUBLIC_STATES = (Statement.State.PUBLISHED, Statement.State.CLOSED)

PaperLeaf = tuple[str, str, str, int]
log = logging.getLogger(__name__)


class LogError(Exception):
    """A cosignature or a tile request was refused; the message says why."""


def origin(statement: Statement) -> str:
    """The log's identity: the scheme-less URL prefix its tiles are served under."""
    site = urlsplit(settings.SITE_URL)
    return f"{site.netloc}{site.path.rstrip('/')}/log/{statement.slug}"


def _derived(purpose: bytes) -> bytes:
    return hmac.new(settings.LOG_KEY.encode(), purpose, hashlib.sha256).digest()


def signer(statement: Statement) -> note.Signer:
    """The log's Ed25519 key, named after the statement's origin (one server key for all)."""
    return note.Signer(origin(statement), _derived(b"undersigned log signing key v1"))


def receipt_secret(statement_id: int, signature_id: int) -> bytes:
    """A signature's secret, recomputed when its signer asks for a receipt and never stored:
    keyed by the server's log key, which is not in the database."""
    key = _derived(b"undersigned receipt secrets v1")
    return hmac.new(key, f"{statement_id}:{signature_id}".encode(), hashlib.sha256).digest()


def paper_secret(statement_id: int, batch_id: int, revision: int = 0) -> bytes:
    """What a paper batch's commitment commits to: it names the batch, so that its undoing
    names the same one (a batch is not a person: nobody holds a receipt for it). A batch
    whose size changed once logged (a signer erased, `reconcile --fix`) is undone and logged
    again under its next REVISION; revision 0 is the batch as imported."""
    key = _derived(b"undersigned paper batches v1")
    name = f"{statement_id}:{batch_id}" + (f":{revision}" if revision else "")
    return hmac.new(key, name.encode(), hashlib.sha256).digest()


def _logged(statement: Statement) -> dict[int, bool]:
    """For each signature row the log has a leaf about: does it count, per the last leaf?"""
    rows = (
        LogLeaf.objects.filter(statement=statement, signature_ref__isnull=False)
        .order_by("index")
        .values_list("signature_ref", "adds")
    )
    return {ref: adds for ref, adds in rows if ref is not None}


def _pending(statement: Statement) -> tuple[list[int], list[int], set[int]]:
    """(rows to add, rows to remove, rows logged before): the log against the rows."""
    logged = _logged(statement)
    counting = Signature.objects.filter(COUNTED_Q | UNVERIFIED_Q, statement=statement)
    counted = set(counting.values_list("id", flat=True))
    live = {ref for ref, adds in logged.items() if adds}
    return sorted(counted - live), sorted(live - counted), set(logged)


def _removal_event(row: Signature | None) -> str:
    if row is not None and row.invalidated_at is not None:
        return "invalidated"
    if row is not None and row.status not in (Signature.Status.WITHDRAWN, Signature.Status.ERASED):
        return "invalidated"  # quarantined or otherwise no longer counted by a moderator's act
    return "withdrawn"


def primary_texts(statement: Statement) -> dict[int, str]:
    """The content hash of each version of the primary text. A leaf names the version of the
    primary text its signer's text says the same as, not the text in the signer's language:
    the language a signer read in would hint at where they are (a hidden signer's country)."""
    rows = StatementVersion.objects.filter(
        statement_id=statement.pk, language=statement.primary_language
    )
    return dict(rows.values_list("number", "content_hash"))


def _new_leaves(statement: Statement) -> Iterable[tuple[str, int, str, bool]]:
    """(event, signature id, version hash, adds) for each change of a signature still to be
    logged: one with an email counts (or is released), one without is "unverified"."""
    to_add, to_remove, seen = _pending(statement)
    to_remove, to_add = to_remove[:MAX_LEAVES_PER_TICK], to_add[:MAX_LEAVES_PER_TICK]
    rows = Signature.objects.filter(id__in=[*to_add, *to_remove]).select_related("version")
    by_id = {row.id: row for row in rows.only(
        "id", "status", "invalidated_at", "quarantine_reasons", "version__primary_number"
    )}  # fmt: skip
    primary = primary_texts(statement)
    versions = LogLeaf.objects.filter(statement=statement, signature_ref__in=to_remove)
    old_version = {ref: _version_of(entry) for ref, entry in versions.values_list(
        "signature_ref", "entry"
    )}  # fmt: skip
    for ref in to_remove:
        yield _removal_event(by_id.get(ref)), ref, old_version[ref], False
    for ref in to_add:
        row = by_id[ref]
        held_back = ref in seen or bool(row.quarantine_reasons)
        text = primary.get(row.version.primary_number, NO_TEXT)
        unverified = row.status == Signature.Status.UNVERIFIED
        yield (
            ("unverified" if unverified else "released" if held_back else "counted"),
            ref,
            text,
            True,
        )


def _paper_leaves(statement: Statement, primary: dict[int, str]) -> Iterable[PaperLeaf]:
    """(event, version, commitment, number) for each paper batch whose number in the log is
    not its size now. A batch imported is a `paper` leaf; one undone, a `paper-undone` leaf
    by the number logged; one resized (a signer erased, `reconcile --fix`), both: undone by
    the number logged, then logged again by its new size under its next revision. Never a
    batch of none: a batch resized to 0 is only undone."""
    rows = LogLeaf.objects.filter(statement=statement, signature_ref__isnull=True)
    logged = {c: (adds, bytes(entry)) for c, adds, entry in rows.order_by("index").values_list(
        "commitment", "adds", "entry"
    )}  # fmt: skip
    batches = PaperBatch.objects.filter(statement=statement).order_by("id")
    for batch_id, size, undone_at in batches.values_list("id", "size", "undone_at"):
        live, made = _logged_batch(statement.pk, batch_id, logged)
        size = 0 if undone_at is not None else size
        if size == (live.number if live else 0):
            continue
        if live is not None:
            yield countlog.PAPER_UNDONE, live.version, live.commitment, live.number
        if size > 0:
            number = PaperBatch.signed_under(batch_id) or max(primary, default=0)
            yield countlog.PAPER, primary.get(number, NO_TEXT), made, size


def _logged_batch(
    statement_id: int, batch_id: int, logged: dict[str, tuple[bool, bytes]]
) -> tuple[countlog.Event | None, str]:
    """A paper batch's leaf that counts (None if none does), and the commitment of its next
    revision: its revisions are logged in turn, each undone before the next."""
    revision, live = 0, None
    made = countlog.commitment(paper_secret(statement_id, batch_id))
    while made in logged:
        adds, entry = logged[made]
        live = countlog.Event.parse(entry) if adds else None
        revision += 1
        made = countlog.commitment(paper_secret(statement_id, batch_id, revision))
    return live, made


def _version_of(entry: bytes | memoryview) -> str:
    return countlog.Event.parse(bytes(entry)).version


def next_index(statement: Statement) -> int:
    last = LogLeaf.objects.filter(statement=statement).order_by("-index").first()
    return 0 if last is None else last.index + 1


def append_leaves(statement: Statement, now: dt.datetime | None = None) -> int:
    """Log what changed since the last leaf; returns how many leaves were appended."""
    hour = countlog.hour_of(now or timezone.now())
    try:
        with transaction.atomic():
            index = next_index(statement)
            leaves = []
            for event, ref, version, adds in _new_leaves(statement):
                made = countlog.commitment(receipt_secret(statement.pk, ref))
                entry = countlog.Event(statement.slug, index, event, version, hour, made)
                leaves.append(_leaf(statement, entry, adds, ref))
                index += 1
            for event, text, made, number in _paper_leaves(statement, primary_texts(statement)):
                entry = countlog.Event(statement.slug, index, event, text, hour, made, number)
                leaves.append(_leaf(statement, entry, event == countlog.PAPER, None))
                index += 1
            LogLeaf.objects.bulk_create(leaves)
    except IntegrityError:
        return 0  # another worker appended first; the next tick starts from its leaves
    return len(leaves)


def _leaf(statement: Statement, event: countlog.Event, adds: bool, ref: int | None) -> LogLeaf:
    entry = event.encode()
    return LogLeaf(
        statement=statement, index=event.seq, entry=entry, leaf_hash=merkle.leaf_hash(entry),
        adds=adds, signature_ref=ref, commitment=event.commitment,
    )  # fmt: skip


def _count_moved(statement: Statement, start: int, end: int) -> int:
    """How much leaves START..END move the published count: a paper batch by its number, and
    the withdrawal or invalidation of a signature without an email not at all (it was
    counted apart)."""
    rows = LogLeaf.objects.filter(statement=statement, index__gte=start, index__lt=end)
    moved, removed = 0, []
    for entry, ref in rows.values_list("entry", "signature_ref"):
        event = countlog.Event.parse(bytes(entry))
        if event.event in countlog.NUMBERED:
            moved += event.number if event.event == countlog.PAPER else -event.number
        elif event.event in countlog.ADDS:
            moved += 1
        elif event.event in countlog.REMOVES:
            removed.append(ref)
    added = LogLeaf.objects.filter(
        statement=statement, signature_ref__in=removed, adds=True, index__lt=end
    ).order_by("index")
    last_added = {
        ref: _event_of(entry) for ref, entry in added.values_list("signature_ref", "entry")
    }
    return moved - sum(1 for ref in removed if last_added.get(ref) != countlog.UNVERIFIED)


def _event_of(entry: bytes | memoryview) -> str:
    return countlog.Event.parse(bytes(entry)).event


def leaf_hashes(statement: Statement, start: int = 0, end: int | None = None) -> list[bytes]:
    rows = LogLeaf.objects.filter(statement=statement, index__gte=start)
    if end is not None:
        rows = rows.filter(index__lt=end)
    return [bytes(h) for h in rows.order_by("index").values_list("leaf_hash", flat=True)]


class StoredHashes:
    """``perfect(start, size)`` over a statement's stored leaves, for a tree of ``tree_size``.

    The hash of a complete block of 256 leaves or more never changes, so it is kept in the
    cache for ever: after the first checkpoint, the next one hashes only the new leaves and
    reads a few dozen cached nodes, and a level-1 tile costs 256 cache reads, not 65,536 leaves.
    """

    def __init__(self, statement: Statement, tree_size: int) -> None:
        self.statement = statement
        self.tree_size = tree_size
        self._blocks: dict[int, list[bytes]] = {}

    def _leaf(self, index: int) -> bytes:
        n = index // tiles.TILE_WIDTH
        if n not in self._blocks:
            start = n * tiles.TILE_WIDTH
            end = min(start + tiles.TILE_WIDTH, self.tree_size)
            self._blocks[n] = leaf_hashes(self.statement, start, end)
        return self._blocks[n][index % tiles.TILE_WIDTH]

    def __call__(self, start: int, size: int) -> bytes:
        if start + size > self.tree_size:
            raise merkle.ProofError(f"subtree {start}+{size} is beyond {self.tree_size}")
        if size == 1:
            return self._leaf(start)
        half = size // 2

        def compute() -> bytes:
            return merkle.node_hash(self(start, half), self(start + half, half))

        if size >= tiles.TILE_WIDTH:
            return caches.log_node(self.statement.pk, start, size, compute)
        return compute()


def latest_checkpoint(statement: Statement) -> LogCheckpoint | None:
    return LogCheckpoint.objects.filter(statement=statement).order_by("-size").first()


def make_checkpoint(statement: Statement, now: dt.datetime | None = None) -> LogCheckpoint | None:
    """Sign a checkpoint if the log grew and the last one is LOG_CHECKPOINT_SECONDS old."""
    now = now or timezone.now()
    latest = latest_checkpoint(statement)
    if latest and now - latest.created_at < dt.timedelta(seconds=settings.LOG_CHECKPOINT_SECONDS):
        return None
    size = next_index(statement)
    if size == 0 or (latest and latest.size == size):
        return None
    count = (latest.count if latest else 0) + _count_moved(
        statement, latest.size if latest else 0, size
    )
    root = merkle.root_hash(size, StoredHashes(statement, size))
    text = Checkpoint(origin(statement), size, root).text
    signed = note.sign_note(text, [signer(statement)])
    try:
        with transaction.atomic():
            return LogCheckpoint.objects.create(
                statement=statement, size=size, root=root, count=count, note=signed, created_at=now
            )
    except IntegrityError:
        return None  # another worker signed this size first


def tick(now: dt.datetime | None = None) -> tuple[int, int]:
    """One pass of the worker over every public statement: (leaves appended, checkpoints)."""
    appended = signed = 0
    public = Statement.objects.filter(state__in=PUBLIC_STATES)
    for statement in public.only("id", "slug", "primary_language"):
        try:
            appended += append_leaves(statement, now)
            signed += make_checkpoint(statement, now) is not None
        except Exception:  # one statement's fault must not stop the log of the others
            log.exception("count log of %s: tick failed", statement.slug)
    return appended, signed


def tile(statement: Statement, path: str) -> bytes:
    """A tile or entry bundle of the latest checkpoint's tree; LogError if there is none.

    Only what a checkpoint covers is served, and every tile's bytes are fixed once it can be
    served, so any cache may keep them for ever.
    """
    try:
        wanted = tiles.parse_tile_path(path)
    except tiles.TilePathError as error:
        raise LogError(str(error)) from error
    latest = latest_checkpoint(statement)
    span = tiles.TILE_WIDTH ** max(wanted.level, 0)
    first = wanted.index * tiles.TILE_WIDTH * span
    end = first + wanted.width * span
    if latest is None or end > latest.size:
        raise LogError("no checkpoint covers this tile")
    if wanted.level == tiles.ENTRIES:
        rows = LogLeaf.objects.filter(statement=statement, index__gte=first, index__lt=end)
        return tiles.encode_bundle([bytes(e) for e in rows.order_by("index").values_list(
            "entry", flat=True
        )])  # fmt: skip
    return tiles.tile_data(wanted, StoredHashes(statement, end))


def published(statement: Statement) -> dict[str, object] | None:
    """What the page and the API say about the log: the latest checkpoint, the count its
    leaves prove, and who cosigned it (by name only those who chose to be named); and the
    latest checkpoint any witness cosigned, which trails it while witnesses catch up."""
    latest = latest_checkpoint(statement)
    if latest is None:
        return None
    witnessed = (
        LogCheckpoint.objects.filter(statement=statement, cosignatures__isnull=False)
        .order_by("-size")
        .first()
    )
    return {
        **_described(latest),
        "witnessed": None if witnessed is None else _described(witnessed),
    }


def _described(checkpoint: LogCheckpoint) -> dict[str, object]:
    cosigners = [c.witness for c in checkpoint.cosignatures.select_related("witness")]
    return {
        "checkpoint": checkpoint.size,
        "count": checkpoint.count,
        "signed_at": checkpoint.created_at.isoformat(),
        "witnesses": len(cosigners),
        "named_witnesses": sorted(w.public_name for w in cosigners if w.public_name),
    }


def published_cached(statement: Statement) -> dict[str, Any] | None:
    """published(), through the shared cache for PUBLISHED_SECONDS: what the statement page,
    /count/, the API and the log's count.json read (a new cosignature forgets it)."""
    return caches.log_count(statement.slug, PUBLISHED_SECONDS, lambda: published(statement))
