"""The disk cache's own counter table: atomic across processes, swept, failing open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from undersigned.backends.diskcache import DiskCache
from undersigned.lib.ratelimit import Limit
from undersigned.statements.limits import hit, hit_many


@pytest.fixture
def disk_cache(tmp_path: Path) -> Iterator[DiskCache]:
    cache = DiskCache(str(tmp_path / "cache"), {"TIMEOUT": 300, "SHARDS": 2})
    yield cache
    cache._cache.close()


def test_the_disk_cache_counts_atomically_across_processes(tmp_path: Path) -> None:
    """Two processes (as two granian workers) hammering one counter lose no hit."""
    import multiprocessing

    directory = str(tmp_path / "cache")
    DiskCache(directory, {}).count_hits([("warm", 60)])
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.map(_hammer, [directory, directory])
    assert sorted(results[0] + results[1]) == list(range(1, 401))


def _hammer(directory: str) -> list[int]:
    cache = DiskCache(directory, {"DATABASE_TIMEOUT": 10})
    return [cache.count_hits([("shared", 60)], now=600.0)[0] for _ in range(200)]


def test_clearing_the_disk_cache_resets_its_counters(disk_cache: DiskCache) -> None:
    limit = Limit("t", 1, 60)
    hit(limit, "a", now=600.0, cache=disk_cache)
    disk_cache.clear()
    assert hit(limit, "a", now=600.0, cache=disk_cache) == 1


def test_expired_counters_are_swept(disk_cache: DiskCache, monkeypatch: pytest.MonkeyPatch) -> None:
    from undersigned.backends import diskcache as cache_module

    monkeypatch.setattr(cache_module, "SWEEP_EVERY", 2)
    disk_cache.count_hits([("old", 10)], now=100.0)
    disk_cache.count_hits([("new", 1000)], now=200.0)
    keys = [row[0] for row in disk_cache._limits().execute("SELECT key FROM hits")]
    assert keys == ["new"]


def test_a_failing_counter_store_fails_open_and_recovers(
    disk_cache: DiskCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from undersigned.backends import diskcache as cache_module

    limit = Limit("t", 1, 60)
    hit(limit, "a", now=600.0, cache=disk_cache)
    monkeypatch.setattr(cache_module, "_upsert", lambda n: "INSERT INTO no_such_table VALUES (1)")
    # Nothing counted, nobody turned away, and no transaction left open behind it.
    assert hit_many([(limit, "a"), (limit, "b")], now=600.0, cache=disk_cache) == [1, 1]
    assert not disk_cache._limits().in_transaction
    monkeypatch.undo()
    assert hit(limit, "a", now=600.0, cache=disk_cache) == 2
    assert isinstance(disk_cache._limits(), sqlite3.Connection)


def test_first_counts_of_workers_at_once_on_a_new_store_all_go_through(tmp_path: Path) -> None:
    """A new site's first submissions reach every worker at once: each opens the counter
    store and switches the new file to WAL, which SQLite refuses at once ("database is
    locked", without a busy wait) to all but one. That was a 500 on the sign form."""
    import multiprocessing
    import time

    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        pool.map(_first_count, [("", 0.0)] * 4)  # the workers are up and have imported
        for attempt in range(10):
            directory = str(tmp_path / f"cache{attempt}")
            at = time.time() + 0.2
            results = pool.map(_first_count, [(directory, at)] * 4)
            assert all(isinstance(count, int) for count in results), results  # no error
            assert sorted(results) == [1, 2, 3, 4], results  # each counted, none failed open


def _first_count(task: tuple[str, float]) -> int | str:
    import time

    directory, at = task
    if not directory:
        return 0
    cache = DiskCache(directory, {"DATABASE_TIMEOUT": 1.0})
    while time.time() < at:  # start together
        pass
    try:
        return cache.count_hits([("first", 60)], now=600.0)[0]
    except Exception as exc:  # noqa: BLE001 (reported by the test)
        return repr(exc)


def test_a_counter_store_that_cannot_be_opened_fails_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from undersigned.backends import diskcache as cache_module

    def locked(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("database is locked")

    cache = DiskCache(str(tmp_path / "cache"), {})
    monkeypatch.setattr(cache_module.sqlite3, "connect", locked)
    assert cache.count_hits([("a", 60), ("b", 60)], now=600.0) == [1, 1]
    monkeypatch.undo()
    assert cache.count_hits([("a", 60)], now=600.0) == [1]  # opened now; nothing was kept
    assert cache.count_hits([("a", 60)], now=600.0) == [2]
