"""Write SQLite's log back into the database from a background thread, not from requests.

In WAL mode every commit appends the changed pages to the log; once the log passes
`wal_autocheckpoint` pages, the commit that crossed the line copies it back into the
database and flushes the disk, while its request waits (and, behind the write gate, every
other writer with it). In a surge that was every seventieth signature. Each server process
instead runs one thread that checkpoints every CHECKPOINT_SECONDS; the requests' own
connections keep a much higher threshold, a safety net should the thread ever fall behind.
A PASSIVE checkpoint takes no lock that writers or readers wait for.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 0.25
# The requests' own threshold (pages of 4 KiB), reached only if the thread stops.
REQUEST_AUTOCHECKPOINT_PAGES = 20000


def _run(path: Path, every: float, stop: threading.Event) -> None:
    connection: sqlite3.Connection | None = None
    try:
        while not stop.wait(every):
            try:
                if connection is None:
                    # mode=rw: never create a database that is not there (yet).
                    uri = f"{path.resolve().as_uri()}?mode=rw"
                    connection = sqlite3.connect(uri, uri=True, timeout=5.0)
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error as exc:  # busy, locked or not created yet: next turn
                log.debug("checkpoint skipped: %s", exc)
    finally:
        if connection is not None:
            connection.close()


def start(path: Path | str, every: float = CHECKPOINT_SECONDS) -> threading.Event:
    """Start the checkpoint thread for the database at PATH; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_run, args=(Path(path), every, stop), name="sqlite-checkpoint", daemon=True
    )
    thread.start()
    return stop
