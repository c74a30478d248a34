"""The one-machine shared cache: diskcache, kept open for the life of the process.

Django closes every cache at the end of each request; for diskcache that means closing and
reopening its SQLite connections on every request, which cost more than the cache work
itself on the signing path. The connections are per thread and safe to keep.
"""

from __future__ import annotations

from typing import Any

from diskcache import DjangoCache


class DiskCache(DjangoCache):
    def close(self, **kwargs: Any) -> None:
        """Keep the connections open between requests (see the module docstring)."""
