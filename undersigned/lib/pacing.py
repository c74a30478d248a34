"""Making a fast outcome take as long as a slow one, so its timing tells nothing.

A second signature with an address runs the statements a first one does (hotpath), but on
PostgreSQL skipping the row is still cheaper than writing it and its indexes: about 5 ms
against 7 ms in process, which enough probes would tell apart. `Pace` keeps the durations of
the last writes of each outcome; the fast one then waits for the difference of their
medians, so the two medians meet under whatever load the machine has at that moment. (A
random pick of a slow duration would overshoot: the fast outcome's own time varies too, and
a sleep cannot be negative.) Pauses under half a millisecond are skipped: a sleep that
short overshoots by more than it corrects (SQLite's two outcomes already take the same time).
Framework-free; thread-safe enough for CPython (deques with a maximum length).
"""

from __future__ import annotations

import statistics
import time
from collections import deque

MIN_PAUSE = 0.0005


class Pace:
    def __init__(self, remember: int = 64) -> None:
        self._recent: deque[float] = deque(maxlen=remember)
        self._fast: deque[float] = deque(maxlen=remember)

    def record(self, seconds: float) -> None:
        """How long the slow outcome just took."""
        self._recent.append(seconds)

    def wait(self, elapsed: float) -> float:
        """After the fast outcome took ELAPSED, sleep for the difference of the two
        outcomes' recent medians; return the seconds slept (none before the slow outcome
        was ever seen, or when the fast one is not faster)."""
        self._fast.append(elapsed)
        recent = tuple(self._recent)
        if not recent:
            return 0.0
        pause = statistics.median(recent) - statistics.median(tuple(self._fast))
        if pause < MIN_PAUSE:
            return 0.0
        time.sleep(pause)
        return pause
