"""The time a request may still wait for its write, from when it reached the application.

A signer whose request queued for seconds has usually given up: their browser shows an
error, they send the form again or leave. Writing such a signature after the fact would
acknowledge nobody and still email them. So a request admitted to the sign path carries a
deadline (public/admission.py sets it); the write gate (backends/writegate.py) waits for the
database at most until then, and the hot path (statements/hotpath) checks it just before its
INSERT. Past it, DeadlineExceeded: nothing is written, and the signer is told to send again.

A context variable, so each thread of a server process (and each test) has its own, and a
request without one (the worker, a command, a confirmation) waits as before. The checks are
one monotonic-clock read each: the hot path's cost stays flat.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("undersigned_write_deadline", default=None)


class DeadlineExceeded(Exception):
    """The request waited past its budget before its write: nothing was written."""


@contextmanager
def until(deadline: float) -> Iterator[None]:
    """Writes in the block must start before DEADLINE (a time.monotonic() value)."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline (never below 0), or None without a deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())


def check() -> None:
    """Raise DeadlineExceeded if the deadline has passed."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() >= deadline:
        raise DeadlineExceeded("the request waited past its budget before its write")
