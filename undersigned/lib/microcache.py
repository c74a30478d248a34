"""A per-process micro-cache for public GET responses, in front of the WSGI application.

A surge is mostly people reading one statement page and polling one count. Django, even
answering from the shared cache, spends most of a request in middleware and URL routing;
this layer answers repeats of the same public URL from a copy in the worker's own memory for
about a second, which is what lets one small machine carry the read load without a CDN.

Correctness never depends on this memory: a copy lives `ttl` seconds at most, so a change
shows within `ttl` plus the shared page cache's own lifetime, on every server alike. Only
responses that a shared proxy could cache are kept: status 200, `Cache-Control: public`, no
`Set-Cookie`. Requests that carry a cookie or credentials always go to the application.

When the application fails (a 5xx: the database restarting, say), the last copy of that
URL is answered instead for up to `stale_if_error` seconds after it expired (RFC 5861's
stale-if-error), so readers keep the page and the count through a short outage.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class _Entry:
    __slots__ = ("body", "expires", "headers", "status")

    def __init__(
        self, status: str, headers: list[tuple[str, str]], body: bytes, expires: float
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.expires = expires


def _vary_names(headers: list[tuple[str, str]]) -> tuple[str, ...] | None:
    """The request headers the response varies on, as WSGI environ keys; None if uncacheable."""
    cache_control = ""
    names: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "set-cookie":
            return None
        if lower == "cache-control":
            cache_control = value.lower()
        elif lower == "vary":
            for item in value.split(","):
                item = item.strip()
                if item == "*":
                    return None
                if item:
                    names.append("HTTP_" + item.upper().replace("-", "_"))
    directives = {d.strip().split("=")[0] for d in cache_control.split(",")}
    if "public" not in directives or directives & {"private", "no-store", "no-cache"}:
        return None
    return tuple(sorted(set(names)))


def _not_modified(if_none_match: str, headers: list[tuple[str, str]]) -> bool:
    """Whether the client's copy (If-None-Match) is this one (its ETag), compared weakly as
    RFC 9110 asks for If-None-Match: a client that polls with its ETag gets a 304 from here
    as it would from the application."""
    if not if_none_match:
        return False
    etag = next((value for name, value in headers if name.lower() == "etag"), "")
    if not etag:
        return False
    held = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in held or etag.removeprefix("W/") in held


def _unmodified_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A 304 carries the headers of the 200 it stands for, less those of the body."""
    body_headers = {"content-length", "content-type", "content-encoding"}
    return [(name, value) for name, value in headers if name.lower() not in body_headers]


class MicroCache:
    """Wrap APP; answer GETs of paths matching PATHS from memory for up to TTL seconds."""

    def __init__(
        self,
        app: WSGIApp,
        paths: str | re.Pattern[str],
        ttl: float = 1.0,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
        query_key: Callable[[str, str], str] | None = None,
        stale_if_error: float = 60.0,
    ) -> None:
        self.app = app
        self.stale_if_error = stale_if_error
        # What of the query string tells responses apart, from the path and the raw query:
        # parameters the application ignores must not each get (and miss) their own copy.
        self.query_key = query_key
        self.paths = re.compile(paths) if isinstance(paths, str) else paths
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        # request key -> the Vary header names last seen for it; key + their values -> entry
        self._vary: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._entries: dict[tuple[Any, ...], _Entry] = {}

    def clear(self) -> None:
        self._entries.clear()
        self._vary.clear()

    def _cacheable_request(self, environ: Environ) -> bool:
        return (
            self.ttl > 0
            and environ.get("REQUEST_METHOD") == "GET"
            and "HTTP_COOKIE" not in environ
            and "HTTP_AUTHORIZATION" not in environ
            and self.paths.fullmatch(environ.get("PATH_INFO", "")) is not None
        )

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not self._cacheable_request(environ):
            return self.app(environ, start_response)
        # Host and scheme are part of the key: Django validates the host and redirects
        # plain HTTP, and a copy made for one request must not answer a request it would
        # have treated differently.
        path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        if self.query_key is not None:
            query = self.query_key(path, query)
        base = (
            environ.get("HTTP_HOST", ""),
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_X_FORWARDED_PROTO", ""),
            path,
            query,
        )
        vary = self._vary.get(base)
        now = self.clock()
        entry = None
        if vary is not None:
            entry = self._entries.get((*base, *(environ.get(n, "") for n in vary)))
            if entry is not None and entry.expires > now:
                if _not_modified(environ.get("HTTP_IF_NONE_MATCH", ""), entry.headers):
                    start_response("304 Not Modified", _unmodified_headers(entry.headers))
                    return [b""]
                start_response(entry.status, list(entry.headers))
                return [entry.body]
        return self._fill(environ, start_response, base, now, entry)

    def _fill(
        self,
        environ: Environ,
        start_response: StartResponse,
        base: tuple[str, ...],
        now: float,
        stale: _Entry | None = None,
    ) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured[:] = [status, headers]

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = captured
        if (
            status.startswith("5")
            and stale is not None
            and now - stale.expires < self.stale_if_error
        ):
            start_response(stale.status, list(stale.headers))
            return [stale.body]
        vary = _vary_names(headers) if status.startswith("200 ") else None
        if vary is not None:
            if len(self._entries) >= self.max_entries:
                # Odd query strings must not grow memory without bound; a full reset is
                # cheap because every entry is refilled within one request.
                self.clear()
            self._vary[base] = vary
            key = (*base, *(environ.get(n, "") for n in vary))
            self._entries[key] = _Entry(status, list(headers), body, now + self.ttl)
        start_response(status, headers)
        return [body]
