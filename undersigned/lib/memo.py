"""A few values kept in this process's own memory for about a second.

For what every request needs and rarely changes (the published statement and its texts):
reading it from the shared cache, even a local one, and unpickling it cost more than the
rest of a sign request's validation. A change made in this process forgets its entry at
once; other processes see it within the memo's lifetime, like the micro-cache of pages.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class ProcessMemo:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        item = self._items.get(key)
        if item is None or item[0] <= time.monotonic():
            return None
        return item[1]

    def set(self, key: str, value: Any) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._items) > 1000:  # a flood of unknown slugs must not grow it forever
                self._items.clear()
            self._items[key] = (time.monotonic() + self.seconds, value)

    def forget(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
