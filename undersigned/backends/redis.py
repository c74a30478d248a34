"""The shared cache of several app servers: Django's Redis cache, counting in one command.

Rate-limit counters move in one round trip and one command per submission (`count_hits`:
a small Lua script that INCRs each key and gives it its expiry when the INCR created it),
atomic across every app server.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from undersigned.backends import CountingCache

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


class RedisCache(DjangoRedisCache, CountingCache):
    _cache: Any  # Django's RedisCacheClient, made on first use; the stubs leave it out

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._script: Any = None

    def count_hits(self, keys: list[tuple[str, int]], now: float | None = None) -> list[int]:
        # The script is registered once per backend: Django builds a new redis client (and
        # its table of reply handlers) on every get_client call, which cost more than the
        # round trip. Writes all go to the first (primary) server, so one client reaches
        # every key.
        if self._script is None:
            self._script = self._cache.get_client(None, write=True).register_script(COUNT_SCRIPT)
        real = [self.make_and_validate_key(key) for key, _ttl in keys]
        return [int(count) for count in self._script(keys=real, args=[t for _k, t in keys])]
