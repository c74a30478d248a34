"""The two hottest writes, one call each, whatever the database.

Signing and confirming are what a surge is made of. Each runs as the fewest round trips its
database allows: on SQLite, one write transaction on the DB-API connection behind the write
gate (backends/writegate.py); on PostgreSQL, one prepared statement. The models keep their
named state changes (`Signature.sign`, `Signature.confirm`) and call these; nothing else
in the project writes database-specific SQL for them. Whether a confirmed signature counts
and is listed comes from counting.py's rule, written here as SQL.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Model

from undersigned.backends.postgresql import fetchone_prepared
from undersigned.backends.writegate import raw_write_transaction, write_transaction
from undersigned.lib import deadline
from undersigned.lib.visibility import Level
from undersigned.statements.counting import COUNTED_ON_CONFIRM_SQL
from undersigned.statements.hotpath import fastinsert

# A Signature: this module sits below the models (no import cycle), so it names them by app
# label and reads the attributes it needs.
Signature = Any

CONFIRMED, PENDING = "confirmed", "pending"


# The partial unique index of one signature per address (Signature.Meta, P3), as ON
# CONFLICT names it. A second signature with the address writes its email job alone, as an
# "already signed" job the worker resolves (delivery/emails.py), by the same statements.
ONE_PER_ADDRESS = fastinsert.Conflict(
    '("statement_id", "email_digest") WHERE "email_digest" IS NOT NULL'
    " AND NOT (\"status\" = 'withdrawn')",
    overrides=(("kind", "already_signed"),),
)


def insert_signature(signature: Signature, message: Model | None) -> bool:
    """Write a new signature and, when given, its email job, together or not at all, with
    its source tag's count (source_bump) in the same transaction.

    Returns False when the address already signed (the unique index decides, not a read
    before the write, so concurrent submissions cannot both win). Then, with a MESSAGE, the
    message alone is written, as kind "already_signed" and linked to no signature: the same
    statements in the same transaction as for a new signature, so the time taken does not
    tell whether the address signed; the source tag is counted either way, for the same
    reason. Without one it raises IntegrityError, as before.

    A request past its budget (lib/deadline.py) raises DeadlineExceeded here, before the
    INSERT (on SQLite the write gate waits no longer than the budget and checks it again):
    nothing is written. Once the INSERT has committed, nothing here checks the budget again.
    """
    deadline.check()
    also = source_bump(signature)
    if message is None:
        with write_transaction():
            fastinsert.insert(signature)
            fastinsert.run(also)
        return True
    return fastinsert.insert_pair(
        signature, message, "signature", conflict=ONE_PER_ADDRESS, also=also
    )


def count_source(signature: Signature) -> None:
    """SIGNATURE's source tag counted alone: inside the caller's transaction if it has one
    (an unverified signature's), else in a write transaction of its own."""
    with write_transaction():
        fastinsert.run(source_bump(signature))


def source_bump(signature: Signature) -> fastinsert.Extra | None:
    """The upsert that counts one more submission through SIGNATURE's source tag (its
    transient `source_tag`, set by Signature.sign) in its hour: None without a tag.

    Run in the signature's own write transaction, never after it: a count that failed once
    the signature had committed would have turned a kept signature into "not taken".
    """
    tag = signature.source_tag
    if not tag:
        return None
    counts = connection.ops.quote_name(apps.get_model("statements", "SourceCount")._meta.db_table)
    hour = signature.created_at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    # The table name comes from the model, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {counts} (statement_id, hour, tag, signatures, quarantined)"  # noqa: S608
        " VALUES (%s, %s, %s, 1, %s) ON CONFLICT (statement_id, hour, tag) DO UPDATE SET"
        f" signatures = {counts}.signatures + 1,"
        f" quarantined = {counts}.quarantined + excluded.quarantined"
    )
    quarantined = int(bool(signature.quarantined))
    when = connection.ops.adapt_datetimefield_value(hour)
    return sql, [signature.statement_id, when, tag, quarantined]


def confirm(signature_id: int, statement_id: int, now: dt.datetime) -> tuple[bool, int] | None:
    """Confirm a pending signature and move a counter shard if it counts, atomically.

    Returns (counted, visibility) as the row was written, or None if it was no longer
    pending (of two racing confirmations only one wins) or a paper row carries its email
    (P3: a sheet imported after its confirmation email went out; statements/paper.py).
    A moderator may have quarantined, released or invalidated it, or the signer hidden it,
    since it was read: the row as it is when written decides.
    """
    shard = random.randrange(settings.COUNT_SHARDS)
    if connection.vendor == "postgresql":
        return _confirm_on_postgresql(signature_id, statement_id, shard, now)
    return _confirm_on_sqlite(signature_id, statement_id, shard, now)


def _tables() -> tuple[str, str, str]:
    """The signature and shard tables, and the condition that a confirmation finds no paper
    row of the same email (P3): a sheet typed up while its signer also signed online."""
    quote = connection.ops.quote_name
    signatures = quote(apps.get_model("statements", "Signature")._meta.db_table)
    shards = quote(apps.get_model("statements", "CountShard")._meta.db_table)
    paper = quote(apps.get_model("statements", "PaperSignature")._meta.db_table)
    not_on_paper = (
        f"NOT EXISTS (SELECT 1 FROM {paper} WHERE {paper}.statement_id = "  # noqa: S608
        f"{signatures}.statement_id AND {paper}.email_digest = {signatures}.email_digest)"
    )
    return signatures, shards, not_on_paper


def _confirm_on_sqlite(
    signature_id: int, statement_id: int, shard: int, now: dt.datetime
) -> tuple[bool, int] | None:
    """The UPDATE returns the row as it wrote it, and the shard moves in the same write
    transaction, on SQLite's own connection (as a signature goes in)."""
    signatures, shards, not_on_paper = _tables()
    # Table names come from the models, quoted; every value is a parameter.
    update = (
        f"UPDATE {signatures} SET status = ?, confirmed_at = ?,"  # noqa: S608
        f" counted = {COUNTED_ON_CONFIRM_SQL}"
        f" WHERE id = ? AND status = ? AND {not_on_paper} RETURNING counted, visibility"
    )
    bump = (
        f"INSERT INTO {shards} (statement_id, shard, counted, listed, unverified,"  # noqa: S608
        " organisations) VALUES (?, ?, 1, ?, 0, 0) ON CONFLICT (statement_id, shard)"
        " DO UPDATE SET counted = counted + 1, listed = listed + excluded.listed"
    )
    confirmed_at = connection.ops.adapt_datetimefield_value(now)
    with raw_write_transaction() as raw:
        row = raw.execute(update, [CONFIRMED, confirmed_at, signature_id, PENDING]).fetchone()
        if row is None:
            return None
        counted, visibility = bool(row[0]), int(row[1])
        if counted:
            raw.execute(bump, [statement_id, shard, int(visibility < Level.HIDDEN)])
    return counted, visibility


def _confirm_on_postgresql(
    signature_id: int, statement_id: int, shard: int, now: dt.datetime
) -> tuple[bool, int] | None:
    """One statement, its own transaction: one round trip where BEGIN, two UPDATEs and
    COMMIT took four. An UPDATE that waited for a moderator's row lock re-reads the row
    before it writes, so `counted` is worked out from the row's current flags. The shard is
    upserted: a statement's first confirmations create its rows."""
    signatures, shards, not_on_paper = _tables()
    sql = (
        f"WITH won AS (UPDATE {signatures} SET status = %s, confirmed_at = %s,"  # noqa: S608
        f" counted = {COUNTED_ON_CONFIRM_SQL}"
        f" WHERE id = %s AND status = %s AND {not_on_paper} RETURNING counted, visibility),"
        f" moved AS (INSERT INTO {shards} AS shard"
        " (statement_id, shard, counted, listed, unverified, organisations)"
        " SELECT %s, %s, 1, CASE WHEN won.visibility < %s THEN 1 ELSE 0 END, 0, 0"
        " FROM won WHERE won.counted"
        " ON CONFLICT (statement_id, shard) DO UPDATE SET"
        " counted = shard.counted + 1, listed = shard.listed + excluded.listed RETURNING 1)"
        " SELECT won.counted, won.visibility, (SELECT count(*) FROM moved) FROM won"
    )
    params: list[Any] = [
        CONFIRMED, now, signature_id, PENDING, statement_id, shard, int(Level.HIDDEN),
    ]  # fmt: skip
    row = fetchone_prepared(connection, sql, params)
    if row is None:
        return None
    return bool(row[0]), int(row[1])
