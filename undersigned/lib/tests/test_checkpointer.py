from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from undersigned.lib import checkpointer


def rows_in_main_file(path: Path, scratch: Path) -> int:
    """Rows that reached the database file itself: a copy of it without its log.

    Returns -1 when the copy is torn: a plain file copy is not a snapshot, and one taken
    while the thread is writing pages back can hold a header that promises pages the copy
    missed ("database disk image is malformed"). Readers of the real database never see
    that; they read through the log. The caller copies again.
    """
    shutil.copyfile(path, scratch)
    connection = sqlite3.connect(scratch)
    try:
        return int(connection.execute("SELECT count(*) FROM t").fetchone()[0])
    except sqlite3.OperationalError:  # no such table: it is still only in the log
        return 0
    except sqlite3.DatabaseError:  # torn copy, see above
        return -1
    finally:
        connection.close()


def test_the_thread_copies_the_log_back_while_writers_leave_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute(f"PRAGMA wal_autocheckpoint={checkpointer.REQUEST_AUTOCHECKPOINT_PAGES}")
    writer.execute("CREATE TABLE t (x TEXT)")
    for i in range(300):  # 300 commits, far below the writers' own threshold
        writer.execute("INSERT INTO t VALUES (?)", (f"row {i} " * 20,))
    assert rows_in_main_file(path, tmp_path / "before.sqlite3") == 0
    stop = checkpointer.start(path, every=0.05)
    try:
        deadline = time.monotonic() + 10
        while rows_in_main_file(path, tmp_path / "after.sqlite3") != 300:
            assert time.monotonic() < deadline, "the thread did not checkpoint"
            time.sleep(0.05)
    finally:
        stop.set()


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    stop = checkpointer.start(tmp_path / "absent.sqlite3", every=0.01)
    time.sleep(0.1)
    stop.set()
    assert not (tmp_path / "absent.sqlite3").exists()
