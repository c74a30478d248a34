"""Counting hits in fixed windows, shared through Django's cache (P5).

Every counter lives only in the cache and expires on its own; its key holds a keyed hash
(a client hash, an email digest), never an address. Windows are aligned buckets of the
limit's length, so a key never needs its expiry refreshed: the bucket number in the key
moves on and the old key ages out.

On Redis one hit is a single round trip (INCR and EXPIRE NX in one pipeline), atomic across
every app server. The one-machine disk cache counts in a table of its own, every counter of
a submission in one transaction (`DiskCache.count_hits`). Other backends fall back to
cache.add + cache.incr, which is atomic for local memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from undersigned.lib.cache import DiskCache


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int

    @classmethod
    def parse(cls, name: str, spec: str) -> Limit:
        """'5/300' means at most 5 hits in 300 seconds."""
        count, _slash, seconds = spec.partition("/")
        try:
            limit = cls(name, int(count), int(seconds))
        except ValueError:
            raise ValueError(
                f"{name}: expected COUNT/SECONDS such as 5/300, not {spec!r}"
            ) from None
        if limit.count < 0 or limit.seconds <= 0:
            raise ValueError(f"{name}: COUNT must be 0 or more and SECONDS above 0")
        return limit

    def key(self, subject: str, now: float) -> str:
        return f"rl:{self.name}:{subject}:{int(now // self.seconds)}"


def hit(limit: Limit, subject: str, *, now: float | None = None, cache: Any = None) -> int:
    """Count one hit on SUBJECT and return the count in the current window, this one included."""
    # The backend itself, not django.core.cache.cache (a proxy), so the Redis check holds.
    cache = cache or caches["default"]
    now = time.time() if now is None else now
    key = limit.key(subject, now)
    # Outlive the bucket by a little so a slow request near the edge still finds it.
    ttl = limit.seconds + 5
    if isinstance(cache, RedisCache):
        return _redis_hit(cache, key, ttl)
    if isinstance(cache, DiskCache):
        return cache.count_hits([(key, ttl)], now)[0]
    return incr(cache, key, ttl)


def hit_many(
    hits: list[tuple[Limit, str]], *, now: float | None = None, cache: Any = None
) -> list[int]:
    """Count one hit on each (limit, subject); on Redis all in one round trip."""
    # The backend itself, not django.core.cache.cache (a proxy), so the Redis check holds.
    cache = cache or caches["default"]
    now = time.time() if now is None else now
    keys = [(limit.key(subject, now), limit.seconds + 5) for limit, subject in hits]
    if isinstance(cache, DiskCache):
        return cache.count_hits(keys, now)
    if not isinstance(cache, RedisCache):
        return [incr(cache, key, ttl) for key, ttl in keys]
    real = [(cache.make_and_validate_key(key), ttl) for key, ttl in keys]
    # Writes all go to the first (primary) server, so one pipeline reaches every key.
    client = cache._cache.get_client(real[0][0], write=True)  # type: ignore[attr-defined]
    pipe = client.pipeline(transaction=False)
    for key, ttl in real:
        pipe.incr(key)
        pipe.expire(key, ttl, nx=True)
    return [int(count) for count in pipe.execute()[0::2]]


def over(limit: Limit, subject: str, *, now: float | None = None, cache: Any = None) -> bool:
    """Count one hit and say whether it went over the limit."""
    return hit(limit, subject, now=now, cache=cache) > limit.count


def incr(cache: Any, key: str, ttl: int) -> int:
    """Atomic-where-the-backend-allows increment that creates the key with TTL."""
    if cache.add(key, 1, ttl):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        # It expired between add and incr: this hit starts a fresh window.
        cache.set(key, 1, ttl)
        return 1


def _redis_hit(cache: RedisCache, key: str, ttl: int) -> int:
    real_key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(real_key, write=True)  # type: ignore[attr-defined]
    pipe = client.pipeline(transaction=True)
    pipe.incr(real_key)
    # NX: set the expiry only when the key has none, i.e. on the window's first hit.
    pipe.expire(real_key, ttl, nx=True)
    count, _expiry_set = pipe.execute()
    return int(count)


def once(token: str, ttl: int, *, cache: Any = None) -> bool:
    """True the first time TOKEN is seen within TTL seconds, False for every replay."""
    # The backend itself, not django.core.cache.cache (a proxy), so the Redis check holds.
    cache = cache or caches["default"]
    if isinstance(cache, DiskCache):
        return cache.count_hits([(f"once:{token}", ttl)])[0] == 1
    return bool(cache.add(f"once:{token}", 1, ttl))
