"""A kernel lock in front of SQLite's write lock, for the web's short write transactions.

SQLite lets one writer in at a time; a second one that finds the lock taken is put to sleep
by the busy handler for 1, 2, 5, 10 … milliseconds before it looks again, even when the
lock is freed a tenth of a millisecond later. Under a surge the two workers of a 2-core
machine collided on most signatures and spent a third of their time asleep. A writer that
waits on flock() instead is woken by the kernel the moment the holder lets go.

The gate is only taken around the short transactions of public requests (a signature, a
confirmation, a rate-limit count), never held while waiting on anything else, and released
by the kernel if the process dies. Everything else still waits on SQLite's busy timeout.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction

_local = threading.local()


def _descriptor(path: Path) -> int:
    """This thread's own open file for PATH: flock() excludes other open files, so threads
    of one process exclude each other too."""
    opened: dict[Path, int] = _local.__dict__.setdefault("files", {})
    fd = opened.get(path)
    if fd is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = opened[path] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    return fd


@contextmanager
def gate(path: Path) -> Iterator[None]:
    """Hold the exclusive lock on PATH (a lock file beside the database) for the block."""
    fd = _descriptor(path)
    depth: dict[Path, int] = _local.__dict__.setdefault("depth", {})
    if depth.get(path):  # already held by this thread: a nested block
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    depth[path] = 1
    try:
        yield
    finally:
        depth[path] = 0
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def write_transaction(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """transaction.atomic(), queued at the gate first when the database is SQLite."""
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic(using=using):
            yield
        return
    lock = Path(f"{connection.settings_dict['NAME']}.writers.lock")
    with gate(lock), transaction.atomic(using=using):
        yield
