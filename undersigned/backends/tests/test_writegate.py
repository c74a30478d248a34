from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from undersigned.backends.writegate import gate, write_transaction


def _add(lock: str, counter: str, times: int) -> None:
    for _ in range(times):
        with gate(Path(lock)):
            path = Path(counter)
            path.write_text(str(int(path.read_text()) + 1))


def test_the_gate_excludes_other_processes(tmp_path: Path) -> None:
    """A read-modify-write of a file loses no update when done under the gate."""
    counter = tmp_path / "counter"
    counter.write_text("0")
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_add, args=(str(tmp_path / "lock"), str(counter), 200))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert counter.read_text() == "400"


def test_the_gate_excludes_other_threads_and_may_be_nested(tmp_path: Path) -> None:
    counter = tmp_path / "counter"
    counter.write_text("0")
    lock = tmp_path / "lock"

    def work() -> None:
        for _ in range(100):
            with gate(lock), gate(lock):  # nested in one thread: no self-deadlock
                counter.write_text(str(int(counter.read_text()) + 1))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert counter.read_text() == "400"


@pytest.mark.django_db
def test_a_write_transaction_is_atomic_and_nests_in_an_outer_one() -> None:
    from undersigned.statements.models import Statement
    from undersigned.test import make_statement

    statement = make_statement()
    with pytest.raises(RuntimeError), write_transaction():
        Statement.objects.filter(pk=statement.pk).update(goal=7)
        raise RuntimeError
    assert Statement.objects.get(pk=statement.pk).goal != 7
    with transaction.atomic(), write_transaction():
        assert connection.in_atomic_block
        Statement.objects.filter(pk=statement.pk).update(goal=8)
    assert Statement.objects.get(pk=statement.pk).goal == 8


def test_a_writer_gives_up_like_sqlite_when_the_gate_stays_taken(tmp_path: Path) -> None:
    import fcntl
    import os
    import time

    from django.db import OperationalError

    lock = tmp_path / "lock"
    other = os.open(lock, os.O_RDWR | os.O_CREAT)  # another open file: another process's
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), gate(lock, timeout=0.2):
            pass
        assert 0.2 <= time.monotonic() - started < 2
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    with gate(lock, timeout=0.2):  # free again: taken at once
        pass
