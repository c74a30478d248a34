"""Admission control on the sign and endorse paths: shed load quickly, never write late.

In a surge past what the machine can write, queueing every submission only makes every
signer wait, until their browsers give up while their signatures are still written behind
them (issue 14, item 7). Instead each server process lets at most SIGN_MAX_IN_FLIGHT
submissions in at once; up to SIGN_MAX_WAITING others wait for a free slot for at most a
quarter of the budget (a burst of signers that the process clears in milliseconds is
served, not refused), and past that, or when that many already wait, it is answered at once
with `503 Service Unavailable`,
`Retry-After` and a short page in the signer's language saying that nothing they entered
was kept and to send the form again in a moment. An admitted submission must reach its
write within SIGN_BUDGET_MS of reaching the application (lib/deadline.py: the SQLite write
gate waits no longer, and a signature, with or without an email, or an endorsement checks
it just before its write); past that it gets the same answer and nothing is written. A
database that cannot be reached (PostgreSQL restarting, SQLite locked by a long command)
also gets that answer, never a 500. Once the INSERT has committed, the signer is always
acknowledged. A refused submission's one-time proof-of-work and onion wait token, and its
rate-limit hits, are given back (statements/limits.give_back), so that the resend the busy
page asks for is the first send, not quarantined as a replay or a burst.

The statement page and the count are not admitted here: they are answered from the
response cache in front of Django (statements/caches.py), which a surge of submissions
does not slow down much, as no submission waits in a queue for long. Waiting is bounded in
number as well as in time because each waiter holds one of the server's threads: with every
thread waiting, requests queue inside granian, where no budget is counted and a refusal
takes as long as a signature (the overload suite saw 1.5 s answers and 48 refusals at four
times the capacity). With the bound, threads stay free to refuse and to serve the page.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from undersigned.lib import deadline
from undersigned.statements import limits

log = logging.getLogger(__name__)

# Where the WSGI entry point (undersigned/wsgi.py) notes when a request reached the app,
# that it took this submission's slot, and that Django is to render the refusal.
ARRIVED = "undersigned.arrived"
ADMITTED = "undersigned.admitted"
REFUSE = "undersigned.refuse"
_languages = "|".join(code for code, _name in settings.LANGUAGES)
SUBMISSION_PATHS = re.compile(rf"/(?:{_languages})/[-a-zA-Z0-9_]+/(?:sign|endorse)/")
RETRY_AFTER_SECONDS = 2
# At most one warning per process this often, with the number turned away since the last.
LOG_EVERY_SECONDS = 10.0
View = Callable[..., HttpResponse]


class Slots:
    """How many submissions this process has in hand; a thread lock, no database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self.taken = 0
        self.waiting = 0
        self.refused = 0
        self._logged = 0.0

    def take(self, limit: int, wait: float = 0.0, max_waiting: int | None = None) -> bool:
        """A slot, waiting up to WAIT seconds for one to be given back, unless MAX_WAITING
        others already wait (None: no bound)."""
        with self._freed:
            if self.taken < limit:
                self.taken += 1
                return True
            if max_waiting is not None and self.waiting >= max_waiting:
                self.refused += 1
                return False
            end = time.monotonic() + wait
            self.waiting += 1
            try:
                while self.taken >= limit:
                    left = end - time.monotonic()
                    if left <= 0:
                        self.refused += 1
                        return False
                    self._freed.wait(left)
            finally:
                self.waiting -= 1
            self.taken += 1
            return True

    def give_back(self) -> None:
        with self._freed:
            self.taken -= 1
            self._freed.notify()

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


def queue_seconds() -> float:
    """How long a submission may wait for a slot: a quarter of its budget."""
    return float(settings.SIGN_BUDGET_MS) / 4000


def take_slot() -> bool:
    """This process's slot for one submission, as the settings allow (see above)."""
    return slots.take(settings.SIGN_MAX_IN_FLIGHT, queue_seconds(), settings.SIGN_MAX_WAITING)


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
            if request.META.get(REFUSE):
                return busy(request, slug, what)  # for Admission to keep and replay
            mine = not request.META.get(ADMITTED)  # else the WSGI layer holds the slot
            if mine and not take_slot():
                slots.note_refusal("busy")
                return busy(request, slug, what)
            spent = limits.Spent()
            try:
                with (
                    deadline.until(arrived + settings.SIGN_BUDGET_MS / 1000),
                    limits.spending() as spent,
                ):
                    return view(request, *args, **kwargs)
            except deadline.DeadlineExceeded:
                slots.note_refusal("over budget")
            except (OperationalError, InterfaceError) as exc:
                # Raised before or by the write, never after it committed: not taken.
                slots.note_refusal(f"database unavailable ({type(exc).__name__})")
            finally:
                if mine:
                    slots.give_back()
            # Nothing was taken, so neither are its proof-of-work, wait token or hits: the
            # resend the busy page asks for (Back restores the tokens) is the first send.
            limits.give_back(spent)
            return busy(request, slug, what)

        return wrapped

    return decorate


Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class Admission:
    """The slot check in front of Django, where a refusal costs a few microseconds.

    At four times the capacity, three submissions in four are refused: through Django's
    middleware and a template each, refusing took a good part of what signing does, and
    the refusals alone saturated the machine. Here a refusal replays the page Django
    rendered for the first refusal at that address (its language and statement), with
    every header it had. The slot is given back when the response has been produced.
    """

    def __init__(self, app: WSGIApp, max_pages: int = 64) -> None:
        self.app = app
        self.max_pages = max_pages
        self._pages: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {}

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or not SUBMISSION_PATHS.fullmatch(path):
            return self.app(environ, start_response)
        if not take_slot():
            slots.note_refusal("busy")
            return self._refuse(environ, start_response, path)
        environ[ADMITTED] = True
        try:
            result = self.app(environ, start_response)
            body = b"".join(result)
            close = getattr(result, "close", None)
            if close is not None:
                close()
            return [body]
        finally:
            slots.give_back()

    def _refuse(self, environ: Environ, start_response: StartResponse, path: str) -> list[bytes]:
        page = self._pages.get(path)
        if page is None:
            captured: list[Any] = []

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
                captured[:] = [status, list(headers)]

            environ[REFUSE] = True
            body = b"".join(self.app(environ, capture))
            page = (captured[0], captured[1], body)
            if len(self._pages) >= self.max_pages:
                self._pages.clear()  # odd paths must not grow memory without bound
            if page[0].startswith("503"):  # not a 404 for an unknown statement, say
                self._pages[path] = page
        start_response(page[0], list(page[1]))
        return [page[2]]
