"""The shared cache of several app servers: Django's Redis cache, failing open.

Everything kept in the cache can be rebuilt from the database, so Redis being unreachable
must not cost a page, a count or a signature (issue 14). While it is down this backend
answers like Django's dummy cache (nothing found, nothing kept, no add() claimed) and every
rate-limit counter reads as a first hit; the limits are off, which it says once in the log. After
RETRY_SECONDS it tries Redis again, so a dead server costs one refused connection a second
per process, not one per cache call.

Rate-limit counters move in one round trip and one command per submission (`count_hits`:
a small Lua script that INCRs each key and gives it its expiry when the INCR created it),
atomic across every app server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from undersigned.backends import CountingCache

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
T = TypeVar("T")

# INCR each key; a key the INCR created gets its window's expiry. One command, run
# atomically by Redis, so a key is never left without an expiry.
COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  counts[i] = count
end
return counts
"""

# DECR each key that still exists: a DECR of an expired key would make one without expiry.
UNCOUNT_SCRIPT = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECR', key) end
end
"""


class RedisCache(DjangoRedisCache, CountingCache):
    _cache: Any  # Django's RedisCacheClient, made on first use; the stubs leave it out

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0
        self._down = False
        self._script: Any = None
        self._uncount: Any = None
        self._lock = threading.Lock()

    def _fail_open(self, default: T, call: Callable[..., T], *args: Any) -> T:
        if self._down and time.monotonic() < self._down_until:
            return default
        try:
            result = call(*args)
        except UNREACHABLE as exc:
            with self._lock:
                self._down_until = time.monotonic() + RETRY_SECONDS
                if not self._down:
                    self._down = True
                    log.warning(
                        "Redis unreachable (%s): pages and counts come from the database "
                        "and rate limits are off until it is back",
                        exc,
                    )
            return default
        if self._down:
            self._down = False
            log.warning("Redis reachable again: the cache and rate limits are back")
        return result

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._fail_open(default, super().get, key, default, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._fail_open({}, super().get_many, keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._fail_open(False, super().has_key, key, version)

    def add(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> bool:
        # Not stored. Unlike the dummy cache, which says it was: add() is a claim (the email
        # worker's daily digest), and while Redis is down nobody may claim it, or each poll
        # of each worker would.
        return self._fail_open(False, super().add, key, value, timeout, version)

    def set(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> None:
        self._fail_open(None, super().set, key, value, timeout, version)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = 300, version: int | None = None
    ) -> list[Any]:
        return self._fail_open([], super().set_many, data, timeout, version)

    def touch(self, key: Any, timeout: Any = 300, version: int | None = None) -> bool:
        return self._fail_open(False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._fail_open(False, super().delete, key, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._fail_open(None, super().delete_many, keys, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        found = self._fail_open(missing, super().incr, key, delta, version)
        if found is missing:
            raise ValueError(f"Key '{key}' not found")  # as the dummy cache says
        return int(found)  # type: ignore[call-overload]

    def clear(self) -> None:
        self._fail_open(None, super().clear)

    def count_hits(self, keys: list[tuple[str, int]], now: float | None = None) -> list[int]:
        first = [1] * len(keys)
        return self._fail_open(first, self._count, keys)

    def _count(self, keys: list[tuple[str, int]]) -> list[int]:
        # The script is registered once per backend: Django builds a new redis client (and
        # its table of reply handlers) on every get_client call, which cost more than the
        # round trip. Writes all go to the first (primary) server, so one client reaches
        # every key.
        if self._script is None:
            self._script = self._cache.get_client(None, write=True).register_script(COUNT_SCRIPT)
        real = [self.make_and_validate_key(key) for key, _ttl in keys]
        return [int(count) for count in self._script(keys=real, args=[t for _k, t in keys])]

    def uncount_hits(self, keys: list[str]) -> None:
        self._fail_open(None, self._uncount_hits, keys)

    def _uncount_hits(self, keys: list[str]) -> None:
        if self._uncount is None:
            client = self._cache.get_client(None, write=True)
            self._uncount = client.register_script(UNCOUNT_SCRIPT)
        self._uncount(keys=[self.make_and_validate_key(key) for key in keys])
