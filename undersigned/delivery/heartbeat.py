"""The email worker's heartbeat: a timestamp in the shared cache, written every loop, so
the staff dashboard can say when the worker last ran and warn when it stopped."""

from __future__ import annotations

import logging
import time

from undersigned.statements import caches

HEARTBEAT_KEY = caches.HEARTBEAT_KEY
# The loop runs every second or so; a purge or a large batch can take longer.
STALE_AFTER_SECONDS = 120
log = logging.getLogger(__name__)


def beat(now: float | None = None) -> None:
    """Say the worker is alive; a cache that cannot be written must not stop delivery."""
    try:
        caches.beat(time.time() if now is None else now)
    except Exception as exc:  # noqa: BLE001 (any cache failure)
        log.warning("worker heartbeat not written: %s", type(exc).__name__)


def last_beat() -> float | None:
    """When the worker last said it was alive (seconds since the epoch), or None."""
    try:
        return caches.last_beat()
    except Exception:  # noqa: BLE001
        return None
