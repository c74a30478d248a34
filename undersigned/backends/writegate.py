"""A kernel lock in front of SQLite's write lock, for the web's short write transactions.

SQLite lets one writer in at a time; a second one that finds the lock taken is put to sleep
by the busy handler for 1, 2, 5, 10 … milliseconds before it looks again, even when the
lock is freed a tenth of a millisecond later. Under a surge the two workers of a 2-core
machine collided on most signatures and spent a third of their time asleep. At the gate,
threads of one process wait on a thread lock and are woken the moment it is free; the
process's writer looks at the other processes' flock() every 50 µs at first, backing off
to a millisecond, and gives up after GATE_TIMEOUT_SECONDS like SQLite's busy timeout.

The gate is only taken around the short transactions of public requests (a signature, a
confirmation, a rate-limit count) and released by the kernel if the process dies.
Everything else (the email worker, the purge, moderation) still waits on SQLite's busy
timeout; a gate holder stuck behind one of them makes the others wait at most
GATE_TIMEOUT_SECONDS each, not in turn.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

from undersigned.lib import deadline as request_deadline

# As long as SQLite's own busy timeout (settings): past it, the writer gives up as SQLite
# would, with "database is locked", rather than queue behind a writer that holds the
# database for long (a purge, a large moderation batch) without passing the gate.
GATE_TIMEOUT_SECONDS = 20.0
# Between looks at another process's lock: short at first, so that a writer is let in
# within a fraction of a millisecond of the usual sub-millisecond hold.
_POLL_SECONDS = (0.00005, 0.0001, 0.0002, 0.0005, 0.001)


@dataclass
class _Gate:
    """One process's handle on a lock file: threads queue on a thread lock (woken at
    once), the process's holder on flock() against other processes."""

    pid: int
    fd: int
    threads: threading.Lock = field(default_factory=threading.Lock)
    holder: int | None = None


_gates: dict[Path, _Gate] = {}
_gates_lock = threading.Lock()


def _gate_for(path: Path) -> _Gate:
    with _gates_lock:
        gate = _gates.get(path)
        if gate is None or gate.pid != os.getpid():  # first use, or a forked child
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            gate = _gates[path] = _Gate(os.getpid(), fd)
        return gate


def _flock(fd: int, deadline: float) -> None:
    attempt = 0
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OperationalError("database is locked (write gate)") from None
            time.sleep(_POLL_SECONDS[min(attempt, len(_POLL_SECONDS) - 1)])
            attempt += 1


@contextmanager
def gate(path: Path, timeout: float = GATE_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the exclusive lock on PATH (a lock file beside the database) for the block;
    raise OperationalError after TIMEOUT seconds of waiting."""
    gate = _gate_for(path)
    me = threading.get_ident()
    if gate.holder == me:  # already held by this thread: a nested block
        yield
        return
    # A request admitted to the sign path waits no longer than its budget (lib/deadline.py).
    left, budgeted = request_deadline.remaining(), False
    if left is not None and left < timeout:
        timeout, budgeted = left, True
    deadline = time.monotonic() + timeout
    if not gate.threads.acquire(timeout=timeout):
        _gave_up(budgeted)
    try:
        try:
            _flock(gate.fd, deadline)
        except OperationalError:
            _gave_up(budgeted)
        try:
            if budgeted:
                request_deadline.check()  # let in at the last moment: still nothing written
            gate.holder = me
            yield
        finally:
            gate.holder = None
            fcntl.flock(gate.fd, fcntl.LOCK_UN)
    finally:
        gate.threads.release()


def _gave_up(budgeted: bool) -> None:
    if budgeted:
        raise request_deadline.DeadlineExceeded("waited past the budget at the write gate")
    raise OperationalError("database is locked (write gate)")


@contextmanager
def write_transaction(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """transaction.atomic(), queued at the gate first when the database is SQLite."""
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic(using=using):
            yield
        return
    with gate(lock_path(using)), transaction.atomic(using=using):
        yield


def lock_path(using: str = DEFAULT_DB_ALIAS) -> Path:
    """The gate's lock file, beside the SQLite database."""
    return Path(f"{connections[using].settings_dict['NAME']}.writers.lock")


@contextmanager
def raw_write_transaction(using: str = DEFAULT_DB_ALIAS) -> Iterator[sqlite3.Connection]:
    """SQLite's own DB-API connection, in a write transaction behind the gate, for the two
    hottest writes (a signature, a confirmation): Django's cursor wrappers, placeholder
    rewriting and transaction bookkeeping cost as much as the statements themselves.
    Statements use "?" placeholders and values the database takes as they are. Inside a
    caller's transaction they run in a savepoint of it. Errors surface as Django's."""
    connection = connections[using]
    assert connection.vendor == "sqlite", "SQLite only"
    if connection.in_atomic_block:
        with transaction.atomic(using=using), connection.wrap_database_errors:
            yield connection.connection
        return
    connection.ensure_connection()
    raw = connection.connection
    with gate(lock_path(using)), connection.wrap_database_errors:
        raw.execute("BEGIN IMMEDIATE")
        try:
            yield raw
            raw.execute("COMMIT")
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
