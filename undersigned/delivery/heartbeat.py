"""The email worker's heartbeat: a timestamp in the shared cache, written every loop, so
the staff dashboard can say when the worker last ran and warn when it stopped."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

HEARTBEAT_KEY = "worker:heartbeat"
# The loop runs every second or so; a purge or a large batch can take longer.
STALE_AFTER_SECONDS = 120
log = logging.getLogger(__name__)


def beat(now: float | None = None) -> None:
    """Say the worker is alive; a cache that cannot be written must not stop delivery."""
    try:
        cache.set(HEARTBEAT_KEY, time.time() if now is None else now, timeout=None)
    except Exception as exc:  # noqa: BLE001 (any cache failure)
        log.warning("worker heartbeat not written: %s", type(exc).__name__)


def last_beat() -> float | None:
    """When the worker last said it was alive (seconds since the epoch), or None."""
    try:
        value = cache.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        return None
    return float(value) if value is not None else None
