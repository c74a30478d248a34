"""The one rate limiter: signing, endorsing and the staff log-in count here (P5).

Each caller names its limits (`lib/ratelimit.Limit`) and subjects (keyed hashes, never an
address or a name); this module counts them through the configured cache. The two real
backends count every limit of a submission in one round trip (`backends.CountingCache`:
one UPSERT on the disk cache's own table, one Lua command on Redis); others (local memory
in tests) fall back to add + incr, atomic within one process. Every path fails open: a
counter store that cannot be reached turns nobody away, and says so in the log.

Why not the `limits` library: it counts one limit per call (one Redis round trip each)
and has no SQLite store. Measured in one process on Redis over loopback, five limits of a
submission took 63-69 µs through our one command and 178-191 µs through five
`FixedWindowRateLimiter.hit` calls (limits 5.8); the disk mode would have needed ours
anyway.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches

from undersigned.backends import CountingCache
from undersigned.lib.ratelimit import Limit

__all__ = [
    "Limit",
    "give_back",
    "hit",
    "hit_many",
    "incr",
    "once",
    "over",
    "peek",
    "reset",
    "Spent",
    "spending",
]

Hits = list[tuple[Limit, str]]


@dataclass
class Spent:
    """The cache keys of the one-time tokens taken and the counters counted by a request."""

    once: list[str] = field(default_factory=list)
    hits: list[str] = field(default_factory=list)


# What the request in hand has spent, inside spending(); None outside.
_spent: ContextVar[Spent | None] = ContextVar("undersigned_spent", default=None)


def _backend(cache: Any) -> Any:
    # The backend itself, not django.core.cache.cache (a proxy), so the type check holds.
    return cache or caches["default"]


def hit(limit: Limit, subject: str, *, now: float | None = None, cache: Any = None) -> int:
    """Count one hit on SUBJECT and return the count in the current window, this one included."""
    return hit_many([(limit, subject)], now=now, cache=cache)[0]


def hit_many(hits: Hits, *, now: float | None = None, cache: Any = None) -> list[int]:
    """Count one hit on each (limit, subject), in one round trip on the real backends."""
    cache = cache or caches["default"]  # as _backend(), without a call on the hot path
    now = time.time() if now is None else now
    keys = [(limit.key(subject, now), limit.ttl) for limit, subject in hits]
    if isinstance(cache, CountingCache):
        counts = cache.count_hits(keys, now)
    else:
        counts = [incr(cache, key, ttl) for key, ttl in keys]
    spent = _spent.get()
    if spent is not None:  # counted (a deadline at the disk cache's gate raises before)
        spent.hits.extend(key for key, _ttl in keys)
    return counts


def over(limit: Limit, subject: str, *, now: float | None = None, cache: Any = None) -> bool:
    """Count one hit and say whether it went over the limit."""
    return hit(limit, subject, now=now, cache=cache) > limit.count


def peek(hits: Hits, *, now: float | None = None, cache: Any = None) -> list[int]:
    """The counts in the current windows, without counting a hit."""
    cache = _backend(cache)
    now = time.time() if now is None else now
    keys = [limit.key(subject, now) for limit, subject in hits]
    if isinstance(cache, CountingCache):
        return cache.peek_hits(keys, now)
    found = cache.get_many(keys)
    return [int(found.get(key) or 0) for key in keys]


def reset(hits: Hits, *, now: float | None = None, cache: Any = None) -> None:
    """Forget the current windows' counts."""
    cache = _backend(cache)
    now = time.time() if now is None else now
    keys = [limit.key(subject, now) for limit, subject in hits]
    if isinstance(cache, CountingCache):
        cache.forget_hits(keys)
    else:
        cache.delete_many(keys)


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


def once(token: str, ttl: int, *, cache: Any = None) -> bool:
    """True the first time TOKEN is seen within TTL seconds, False for every replay."""
    cache = _backend(cache)
    if isinstance(cache, CountingCache):
        first = cache.count_hits([(f"once:{token}", ttl)])[0] == 1
    else:
        first = bool(cache.add(f"once:{token}", 1, ttl))
    spent = _spent.get()
    if first and spent is not None:
        spent.once.append(f"once:{token}")
    return first


@contextmanager
def spending() -> Iterator[Spent]:
    """What once() and hit_many() take in the block, for give_back() should the request's
    write be refused (public/admission.py)."""
    spent = Spent()
    reset_token = _spent.set(spent)
    try:
        yield spent
    finally:
        _spent.reset(reset_token)


def give_back(spent: Spent, *, cache: Any = None) -> None:
    """Undo SPENT: its tokens count as unseen and its hits as not counted. Their request
    wrote nothing, so its resend (a proof-of-work or wait token restored by Back, from the
    same address) is the first send, neither a replay nor a burst."""
    cache = _backend(cache)
    if isinstance(cache, CountingCache):
        if spent.once:
            cache.forget_hits(spent.once)
        if spent.hits:
            cache.uncount_hits(spent.hits)
        return
    cache.delete_many(spent.once)
    for key in spent.hits:
        with contextlib.suppress(ValueError):  # else its window has ended
            cache.decr(key)
