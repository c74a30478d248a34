"""Admission control on the sign and endorse paths: shed load quickly, never write late.

In a surge past what the machine can write, queueing every submission only makes every
signer wait, until their browsers give up while their signatures are still written behind
them (issue 14, item 7). Instead each server process lets at most SIGN_MAX_IN_FLIGHT
submissions in at once and answers the others at once with `503 Service Unavailable`,
`Retry-After` and a short page in the signer's language saying that nothing they entered
was kept and to send the form again in a moment. An admitted submission must reach its
write within SIGN_BUDGET_MS of reaching the application (lib/deadline.py: the SQLite write
gate waits no longer, the hot path checks just before its INSERT); past that it gets the
same answer and nothing is written. A database that cannot be reached (PostgreSQL
restarting, SQLite locked by a long command) also gets that answer, never a 500. Once the
INSERT has committed, the signer is always acknowledged.

The statement page and the count are not admitted here: they are answered from the
response cache in front of Django (statements/caches.py), which a surge of submissions
does not slow down much, as no submission waits in a queue for long.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from undersigned.lib import deadline

log = logging.getLogger(__name__)

# Where the WSGI entry point (undersigned/wsgi.py) notes when a request reached the app.
ARRIVED = "undersigned.arrived"
RETRY_AFTER_SECONDS = 2
# At most one warning per process this often, with the number turned away since the last.
LOG_EVERY_SECONDS = 10.0
View = Callable[..., HttpResponse]


class Slots:
    """How many submissions this process has in hand; a thread lock, no database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.taken = 0
        self.refused = 0
        self._logged = 0.0

    def take(self, limit: int) -> bool:
        with self._lock:
            if self.taken >= limit:
                self.refused += 1
                return False
            self.taken += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.taken -= 1

    def note_refusal(self, why: str) -> None:
        """Say in the log, at most every LOG_EVERY_SECONDS, how many were turned away."""
        now = time.monotonic()
        with self._lock:
            if why != "busy":
                self.refused += 1
            if now - self._logged < LOG_EVERY_SECONDS:
                return
            refused, self.refused, self._logged = self.refused, 0, now
        log.warning(
            "Overloaded: answered %d submission(s) with 503 (latest: %s); at most %d at once "
            "per process, %d ms to reach the database",
            refused,
            why,
            settings.SIGN_MAX_IN_FLIGHT,
            settings.SIGN_BUDGET_MS,
        )


slots = Slots()


def busy(request: HttpRequest, slug: str, what: str) -> HttpResponse:
    """503 with Retry-After: nothing was taken, send again in a moment. Never cached."""
    response = render(
        request,
        "public/busy.html",
        {"statement_slug": slug, "what": what, "retry_after": RETRY_AFTER_SECONDS},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    # Not an error of ours to log once per request (django.request would, for every 503, at
    # a thousand a second in a surge): Slots.note_refusal sums them up instead.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def admitted(what: str) -> Callable[[View], View]:
    """Admit a submission view (WHAT: "signature" or "endorsement") as described above."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            slug = str(kwargs.get("slug", ""))
            arrived = request.META.get(ARRIVED) or time.monotonic()
            if not slots.take(settings.SIGN_MAX_IN_FLIGHT):
                slots.note_refusal("busy")
                return busy(request, slug, what)
            try:
                with deadline.until(arrived + settings.SIGN_BUDGET_MS / 1000):
                    return view(request, *args, **kwargs)
            except deadline.DeadlineExceeded:
                slots.note_refusal("over budget")
            except (OperationalError, InterfaceError) as exc:
                # Raised before or by the write, never after it committed: not taken.
                slots.note_refusal(f"database unavailable ({type(exc).__name__})")
            finally:
                slots.give_back()
            return busy(request, slug, what)

        return wrapped

    return decorate
