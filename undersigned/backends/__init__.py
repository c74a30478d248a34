"""Backends of our own: Django's PostgreSQL backend with a cheaper health check
(postgresql/), the write gate in front of SQLite (writegate.py), and the cache backends: the
one-machine disk cache (diskcache.py) and a Redis cache that fails open (redis.py).

The two cache backends count rate-limit hits in one round trip per submission
(`CountingCache`); the rate limiter in `undersigned/statements/limits.py` is their only
caller for that.
"""

from __future__ import annotations

import contextlib
from typing import Any


class CountingCache:
    """What a cache backend offers the rate limiter besides Django's cache API.

    KEYS are (key, ttl seconds) pairs. Every method fails open: a counter store that cannot
    be reached reads as empty, and a hit counts as the first.
    """

    def count_hits(self, keys: list[tuple[str, int]], now: float | None = None) -> list[int]:
        """Add one to each counter (made to expire after its TTL) and return the new counts,
        all in one round trip."""
        raise NotImplementedError

    def peek_hits(self, keys: list[str], now: float | None = None) -> list[int]:
        """The current counts, without counting."""
        found: dict[str, Any] = self.get_many(keys)  # type: ignore[attr-defined]
        return [int(found.get(key) or 0) for key in keys]

    def forget_hits(self, keys: list[str]) -> None:
        self.delete_many(keys)  # type: ignore[attr-defined]

    def uncount_hits(self, keys: list[str]) -> None:
        """Take one off each counter that still exists (a hit given back)."""
        for key in keys:
            with contextlib.suppress(ValueError):  # else its window has ended
                self.decr(key)  # type: ignore[attr-defined]
