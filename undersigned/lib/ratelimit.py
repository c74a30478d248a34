"""Counting hits in fixed windows, shared through Django's cache (P5).

Every counter lives only in the cache and expires on its own; its key holds a keyed hash
(a client hash, an email digest), never an address. Windows are aligned buckets of the
limit's length, so a key never needs its expiry refreshed: the bucket number in the key
moves on and the old key ages out.

On Redis all the counters of a submission move in one round trip and one command (a small
Lua script: INCR each key, and give it its expiry when the INCR created it), atomic across
every app server. The one-machine disk cache counts in a table of its own, every counter of
a submission in one transaction (`DiskCache.count_hits`). Other backends fall back to
cache.add + cache.incr, which is atomic for local memory.
"""

from __future__ import annotations

import time
import weakref
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
    return hit_many([(limit, subject)], now=now, cache=cache)[0]


def hit_many(
    hits: list[tuple[Limit, str]], *, now: float | None = None, cache: Any = None
) -> list[int]:
    """Count one hit on each (limit, subject); on Redis all in one round trip."""
    # The backend itself, not django.core.cache.cache (a proxy), so the Redis check holds.
    cache = cache or caches["default"]
    now = time.time() if now is None else now
    # Outlive the bucket by a little so a slow request near the edge still finds it.
    keys = [(limit.key(subject, now), limit.seconds + 5) for limit, subject in hits]
    if isinstance(cache, DiskCache):
        return cache.count_hits(keys, now)
    if not isinstance(cache, RedisCache):
        return [incr(cache, key, ttl) for key, ttl in keys]
    return _redis_count(cache, keys)


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


# INCR each key; a key the INCR created gets its window's expiry. One command, run
# atomically by Redis, so a key is never left without an expiry.
_COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  counts[i] = count
end
return counts
"""
_scripts: weakref.WeakKeyDictionary[RedisCache, Any] = weakref.WeakKeyDictionary()


def _redis_count(cache: RedisCache, keys: list[tuple[str, int]]) -> list[int]:
    """Count one hit on each key in one round trip. The client and the script are made
    once per cache backend: Django builds a new redis client (and its table of reply
    handlers) on every call, which cost more than the round trip."""
    script = _scripts.get(cache)
    if script is None:
        # Writes all go to the first (primary) server, so one client reaches every key.
        client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
        script = _scripts[cache] = client.register_script(_COUNT_SCRIPT)
    real = [cache.make_and_validate_key(key) for key, _ttl in keys]
    return [int(count) for count in script(keys=real, args=[ttl for _key, ttl in keys])]


def once(token: str, ttl: int, *, cache: Any = None) -> bool:
    """True the first time TOKEN is seen within TTL seconds, False for every replay."""
    # The backend itself, not django.core.cache.cache (a proxy), so the Redis check holds.
    cache = cache or caches["default"]
    if isinstance(cache, DiskCache):
        return cache.count_hits([(f"once:{token}", ttl)])[0] == 1
    return bool(cache.add(f"once:{token}", 1, ttl))
