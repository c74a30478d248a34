"""The one rate limiter: counting in windows on each backend, in one round trip."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache.backends.locmem import LocMemCache

from undersigned.backends.diskcache import DiskCache
from undersigned.backends.redis import RedisCache
from undersigned.lib.ratelimit import Limit
from undersigned.statements.limits import hit, hit_many, once, over

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def locmem() -> LocMemCache:
    return LocMemCache(f"ratelimit-{uuid.uuid4()}", {})


@pytest.fixture
def redis_cache() -> Iterator[RedisCache]:
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-rl-{uuid.uuid4().hex}"})
    try:
        cache.get("ping")
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}")
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{cache.key_prefix}*"):
        client.delete(key)


def test_it_counts_hits_within_one_window() -> None:
    cache, limit = locmem(), Limit("t", 2, 60)
    assert [over(limit, "a", now=120.0, cache=cache) for _ in range(3)] == [False, False, True]


def test_subjects_have_separate_counters() -> None:
    cache, limit = locmem(), Limit("t", 1, 60)
    assert hit(limit, "a", now=120.0, cache=cache) == 1
    assert hit(limit, "b", now=120.0, cache=cache) == 1


def test_a_new_window_starts_a_new_count() -> None:
    cache, limit = locmem(), Limit("t", 1, 60)
    assert not over(limit, "a", now=120.0, cache=cache)
    assert over(limit, "a", now=179.0, cache=cache)
    assert not over(limit, "a", now=180.0, cache=cache)


def test_once_accepts_a_token_only_the_first_time() -> None:
    cache = locmem()
    assert once("tok", 60, cache=cache)
    assert not once("tok", 60, cache=cache)
    assert once("other", 60, cache=cache)


def test_redis_counts_atomically_across_threads(redis_cache: RedisCache) -> None:
    limit = Limit("t", 1000, 60)
    results: list[int] = []

    def work() -> None:
        for _ in range(50):
            results.append(hit(limit, "shared", now=600.0, cache=redis_cache))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 401))


def test_redis_keys_expire_with_their_window(redis_cache: RedisCache) -> None:
    limit = Limit("t", 5, 60)
    hit(limit, "a", now=600.0, cache=redis_cache)
    key = redis_cache.make_and_validate_key(limit.key("a", 600.0))
    ttl = redis_cache._cache.get_client(key).ttl(key)
    assert 0 < ttl <= 65


def test_hit_many_counts_each_subject_in_one_call() -> None:
    cache, burst, daily = locmem(), Limit("b", 1, 60), Limit("d", 3, 86400)
    assert hit_many([(burst, "a"), (daily, "a")], now=120.0, cache=cache) == [1, 1]
    assert hit_many([(burst, "a"), (daily, "a")], now=121.0, cache=cache) == [2, 2]


def test_hit_many_on_redis_is_one_command_that_keeps_counts_and_expiry(
    redis_cache: RedisCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    burst, daily = Limit("b", 1, 60), Limit("d", 3, 86400)
    assert hit_many([(burst, "a"), (daily, "a")], now=600.0, cache=redis_cache) == [1, 1]
    clients: list[object] = []
    real_get_client = redis_cache._cache.get_client

    def get_client(*args: object, **kwargs: object) -> object:
        clients.append(args)
        return real_get_client(*args, **kwargs)

    monkeypatch.setattr(redis_cache._cache, "get_client", get_client)
    assert hit_many([(burst, "a"), (daily, "b")], now=601.0, cache=redis_cache) == [2, 1]
    assert clients == []  # the client and its script were made once, at the first call
    key = redis_cache.make_and_validate_key(daily.key("a", 600.0))
    assert 86400 < real_get_client(key).ttl(key) <= 86405


def test_without_a_cache_argument_it_uses_the_configured_backend_itself(
    redis_cache: RedisCache, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import caches

    from undersigned.statements import limits

    def fallback_used(*args: object) -> int:
        raise AssertionError("the Redis script was bypassed")

    monkeypatch.setattr(limits, "incr", fallback_used)
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "undersigned.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": redis_cache.key_prefix,
        }
    }
    limit = Limit("t", 5, 60)
    assert hit_many([(limit, "x")], now=600.0) == [1]
    backend = caches["default"]
    key = backend.make_and_validate_key(limit.key("x", 600.0))
    assert 0 < backend._cache.get_client(key).ttl(key) <= 65  # type: ignore[attr-defined]


def test_the_disk_cache_counts_every_limit_in_its_own_table(disk_cache: DiskCache) -> None:
    burst, daily = Limit("b", 1, 60), Limit("d", 3, 86400)
    assert hit_many([(burst, "a"), (daily, "a")], now=600.0, cache=disk_cache) == [1, 1]
    assert hit_many([(burst, "a"), (daily, "b")], now=601.0, cache=disk_cache) == [2, 1]
    assert hit(daily, "a", now=602.0, cache=disk_cache) == 2
    # A counter past its expiry starts again, even before the sweep deletes it.
    assert disk_cache.count_hits([(burst.key("a", 600.0), 65)], now=700.0) == [1]


def test_once_on_the_disk_cache_refuses_a_replay(disk_cache: DiskCache) -> None:
    assert once("tok", 60, cache=disk_cache)
    assert not once("tok", 60, cache=disk_cache)
    assert once("other", 60, cache=disk_cache)


@pytest.fixture
def disk_cache(tmp_path: Path) -> Iterator[DiskCache]:
    cache = DiskCache(str(tmp_path / "cache"), {"TIMEOUT": 300, "SHARDS": 2})
    yield cache
    cache._cache.close()


@pytest.mark.parametrize("backend", ["locmem", "disk", "redis"])
def test_peek_reads_without_counting_and_reset_forgets(
    backend: str, request: pytest.FixtureRequest
) -> None:
    from undersigned.statements.limits import peek, reset

    cache = {
        "locmem": locmem,
        "disk": lambda: request.getfixturevalue("disk_cache"),
        "redis": lambda: request.getfixturevalue("redis_cache"),
    }[backend]()
    burst, daily = Limit("b", 5, 60), Limit("d", 5, 86400)
    hits = [(burst, "a"), (daily, "a")]
    assert peek(hits, now=600.0, cache=cache) == [0, 0]
    hit_many(hits, now=600.0, cache=cache)
    hit(burst, "a", now=601.0, cache=cache)
    assert peek(hits, now=602.0, cache=cache) == [2, 1]
    assert peek(hits, now=602.0, cache=cache) == [2, 1]  # peeking counted nothing
    assert peek([(burst, "a")], now=660.0, cache=cache) == [0]  # the next window
    reset(hits[:1], now=603.0, cache=cache)
    assert peek(hits, now=603.0, cache=cache) == [0, 1]


@pytest.mark.parametrize("backend", ["locmem", "disk", "redis"])
def test_what_a_refused_request_spent_is_given_back(
    backend: str, request: pytest.FixtureRequest
) -> None:
    from undersigned.statements.limits import give_back, peek, spending

    cache = {
        "locmem": locmem,
        "disk": lambda: request.getfixturevalue("disk_cache"),
        "redis": lambda: request.getfixturevalue("redis_cache"),
    }[backend]()
    burst, daily = Limit("b", 5, 60), Limit("d", 5, 86400)
    hits = [(burst, "a"), (daily, "a")]
    hit(burst, "a", now=600.0, cache=cache)  # an earlier request's, kept
    assert once("seen", 60, cache=cache)
    with spending() as spent:
        hit_many(hits, now=601.0, cache=cache)
        assert once("tok", 60, cache=cache)
        assert not once("seen", 60, cache=cache)  # a replay spends nothing
    give_back(spent, cache=cache)
    assert peek(hits, now=602.0, cache=cache) == [1, 0]
    assert once("tok", 60, cache=cache)  # as if never seen
    assert not once("seen", 60, cache=cache)
    hit_many(hits, now=603.0, cache=cache)  # outside spending(), nothing is noted
    assert spent.hits == [burst.key("a", 601.0), daily.key("a", 601.0)]
