"""The one-machine shared cache: diskcache, kept open for the life of the process.

Django closes every cache at the end of each request; for diskcache that means closing and
reopening its SQLite connections on every request, which cost more than the cache work
itself on the signing path. The connections are per thread and safe to keep.

Rate-limit counters get a table of their own beside diskcache's files (`count_hits`). Through
diskcache every counter costs its own write transaction (an add, then an incr once the key
exists), five or six per signature, each taking the cache's write lock in turn; here all the
counters of one submission move in one transaction, one UPSERT each.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from diskcache import DjangoCache
from django.db import DatabaseError

from undersigned.backends import CountingCache
from undersigned.backends.writegate import gate

log = logging.getLogger(__name__)

LIMITS_FILE = "limits.sqlite3"
# Expired counters are deleted by whichever process makes this many calls first; the
# table only ever holds the windows of the last day, keyed by keyed hashes.
SWEEP_EVERY = 1000

# One statement for all the counters of a submission; `now` is the last parameter.
UPSERT = """
INSERT INTO hits (key, count, expires) VALUES {rows}
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN hits.expires <= ?{n} THEN 1 ELSE hits.count + 1 END,
    expires = CASE WHEN hits.expires <= ?{n} THEN excluded.expires ELSE hits.expires END
RETURNING key, count
"""


@functools.cache
def _upsert(n: int) -> str:
    return UPSERT.format(rows=", ".join(["(?, 1, ?)"] * n), n=2 * n + 1)


class DiskCache(DjangoCache, CountingCache):
    def __init__(self, directory: str, params: dict[str, Any]) -> None:
        super().__init__(directory, params)
        self._limits_path = Path(directory) / LIMITS_FILE
        self._limits_lock = Path(directory) / f"{LIMITS_FILE}.lock"
        self._timeout = float(params.get("DATABASE_TIMEOUT", 1.0))
        self._local = threading.local()
        self._calls = 0

    def close(self, **kwargs: Any) -> None:
        """Keep the connections open between requests (see the module docstring)."""

    def clear(self) -> None:
        super().clear()
        self._limits().execute("DELETE FROM hits")

    def _limits(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self._limits_path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit (isolation_level None): transactions are opened explicitly below.
            connection = sqlite3.connect(
                self._limits_path, timeout=self._timeout, isolation_level=None
            )
            try:
                # At the gate: the workers of a new site all open the store with their first
                # submissions, and SQLite refuses a switch to WAL at once, without waiting,
                # to a connection that races another for the new file.
                with gate(self._limits_lock, timeout=self._timeout):
                    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                        connection.execute("PRAGMA journal_mode = WAL")
                    connection.execute(
                        "CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY,"
                        " count INTEGER NOT NULL, expires REAL NOT NULL) WITHOUT ROWID"
                    )
                # A counter lost in a power cut only forgives a few submissions.
                connection.execute("PRAGMA synchronous = OFF")
            except BaseException:
                connection.close()
                raise
            self._local.connection = connection
        return connection

    def count_hits(self, keys: list[tuple[str, int]], now: float | None = None) -> list[int]:
        """Add one to each counter KEY (created to expire after its TTL seconds) and return
        the new counts, all in one transaction: atomic across threads and processes."""
        now = time.time() if now is None else now
        unique = dict(keys)
        if len(unique) != len(keys):  # one key twice in a call: count it twice, in turn
            return [self.count_hits([item], now)[0] for item in keys]
        params: list[object] = []
        for key, ttl in keys:
            params += [key, now + ttl]
        params.append(now)
        try:
            connection = self._limits()  # inside: a store that cannot be opened fails open
            with gate(self._limits_lock, timeout=self._timeout):
                connection.execute("BEGIN IMMEDIATE")
                try:
                    found = dict(connection.execute(_upsert(len(keys)), params).fetchall())
                    self._calls += 1
                    if self._calls % SWEEP_EVERY == 0:
                        connection.execute("DELETE FROM hits WHERE expires <= ?", (now,))
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
        except (sqlite3.Error, DatabaseError) as exc:
            # Fail open, as diskcache did: a busy or broken counter store must not turn
            # away signers. Every counter reads as a first hit; nothing is over a limit.
            log.warning("rate-limit counters unavailable, not counted: %s", exc)
            return [1] * len(keys)
        return [int(found[key]) for key, _ttl in keys]

    def peek_hits(self, keys: list[str], now: float | None = None) -> list[int]:
        now = time.time() if now is None else now
        marks = ", ".join("?" * len(keys))
        try:
            rows = self._limits().execute(
                f"SELECT key, count FROM hits WHERE key IN ({marks}) AND expires > ?",  # noqa: S608
                [*keys, now],
            )
            found = dict(rows.fetchall())
        except (sqlite3.Error, DatabaseError) as exc:
            log.warning("rate-limit counters unavailable, read as empty: %s", exc)
            return [0] * len(keys)
        return [int(found.get(key, 0)) for key in keys]

    def forget_hits(self, keys: list[str]) -> None:
        marks = ", ".join("?" * len(keys))
        try:
            with gate(self._limits_lock, timeout=self._timeout):
                self._limits().execute(f"DELETE FROM hits WHERE key IN ({marks})", keys)  # noqa: S608
        except (sqlite3.Error, DatabaseError) as exc:
            log.warning("rate-limit counters unavailable, not reset: %s", exc)

    def uncount_hits(self, keys: list[str]) -> None:
        marks = ", ".join("?" * len(keys))
        try:
            with gate(self._limits_lock, timeout=self._timeout):
                self._limits().execute(
                    f"UPDATE hits SET count = count - 1 WHERE key IN ({marks}) AND count > 0",  # noqa: S608
                    keys,
                )
        except (sqlite3.Error, DatabaseError) as exc:
            log.warning("rate-limit counters unavailable, not given back: %s", exc)
