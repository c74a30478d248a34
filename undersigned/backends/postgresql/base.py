"""Django's PostgreSQL backend, health-checking only connections that sat idle.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request:
on the signing path, one round trip in three. A connection whose previous request used it
less than HEALTH_CHECK_IDLE_SECONDS ago is taken as healthy without asking; after any
database error, and after a quiet spell, Django's own check runs as before. What is given
up: if the server restarts within that second, the next request on such a connection
fails, as a request in flight during the restart would have.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

HEALTH_CHECK_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._used_at = float("-inf")

    def close_if_health_check_failed(self) -> None:
        # Runs before the first query of each request (and after Django's own resets).
        now = time.monotonic()
        busy = now - self._used_at < HEALTH_CHECK_IDLE_SECONDS
        self._used_at = now
        if busy and self.connection is not None and not self.errors_occurred:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
