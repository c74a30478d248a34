"""Open data, read-only, versioned: /api/v1/ (the contract is openapi.py).

Every answer is JSON with an ETag, Cache-Control and an open CORS header, served from the
shared cache for a minute; aggregates come from aggregates.py, through the suppression
rules (P9); signers are only what each made public.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt

from undersigned.public import aggregates, logfigures
from undersigned.public import signers as signer_pages
from undersigned.public.api.openapi import document
from undersigned.public.pages import approved_organisations, counts_for, public_statement
from undersigned.statements import caches
from undersigned.statements.caches import AGGREGATE_SECONDS
from undersigned.statements.models import Statement, StatementVersion

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
API_CACHE_SECONDS = AGGREGATE_SECONDS
PARAMETERS = ("interval", "cursor", "limit")


SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,80}")


def _statement(slug: str) -> Statement:
    if not SLUG_RE.fullmatch(slug):
        raise Http404
    return public_statement(slug)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _encode(payload: Any) -> bytes:
    return json.dumps(
        payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def _headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={API_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag"
    # Other sites' pages may read these (CORS) and load them: open data.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _answer(request: HttpRequest, status: int, body: bytes) -> HttpResponse:
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if status == 200 and etag in parse_etags(request.headers.get("If-None-Match", "")):
        return _headers(HttpResponse(status=304), etag)
    response = HttpResponse(body, status=status, content_type="application/json")
    return _headers(response, etag)


def endpoint(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """GET (and HEAD, and a CORS preflight) only; the answer is cached by its full path."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, **kwargs: str) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "If-None-Match"
            response["Access-Control-Max-Age"] = "86400"
            return response
        if request.method not in ("GET", "HEAD"):
            response = _answer(request, 405, _encode({"error": "Only GET is allowed."}))
            response["Allow"] = "GET, HEAD, OPTIONS"
            return response
        # Keyed by the parameters the API reads, so made-up ones cannot fill the cache.
        known = [f"{name}={request.GET[name]}" for name in PARAMETERS if name in request.GET]
        wanted = "?".join([request.path, *known])
        digest = hashlib.sha256(wanted.encode()).hexdigest()

        def answer() -> tuple[int, bytes]:
            try:
                return 200, _encode(view(request, **kwargs))
            except Http404:
                return 404, _encode({"error": "Not found."})

        try:
            found = caches.public_output("api", digest, seconds=API_CACHE_SECONDS, render=answer)
        except ApiError as error:
            return _answer(request, error.status, _encode({"error": str(error)}))
        return _answer(request, *found)

    return wrapper


def _statement_summary(statement: Statement) -> dict[str, Any]:
    text = statement.text(statement.primary_language)
    return {
        "slug": statement.slug,
        "state": statement.state,
        "title": text.title,
        "primary_language": statement.primary_language,
        "languages": list(statement.languages),
        "goal": statement.goal,
        "opens_on": statement.opens_on,
        "closes_on": statement.closes_on,
        "published_at": statement.published_at,
        "closed_at": statement.closed_at,
        "url": f"{settings.SITE_URL}/{statement.primary_language}/{statement.slug}/",
    }


def _version(version: StatementVersion) -> dict[str, Any]:
    return {
        "language": version.language,
        "number": version.number,
        "title": version.title,
        "content_hash": version.content_hash,
        "created_at": version.created_at,
        "current": version.is_current,
    }


@endpoint
def statements(request: HttpRequest) -> dict[str, Any]:
    found = Statement.objects.filter(state__in=["published", "closed"]).order_by("slug")
    return {"statements": [_statement_summary(s) for s in found]}


@endpoint
def statement(request: HttpRequest, slug: str) -> dict[str, Any]:
    found = _statement(slug)
    texts = {}
    for language in found.languages:
        text = found.text(language)
        if text.language == language:
            texts[language] = {
                **_version(text),
                "demands": list(text.demands),
                "body_markdown": text.body_markdown,
                "body_html": text.body_html,
            }
    versions = StatementVersion.objects.filter(statement=found).order_by("language", "number")
    return {
        **_statement_summary(found),
        "texts": texts,
        "versions": [_version(v) for v in versions],
    }


@endpoint
def counts(request: HttpRequest, slug: str) -> dict[str, Any]:
    found = _statement(slug)
    counts = counts_for(found)
    headline = aggregates.headline(found, counts)
    by_version, known = aggregates.versions(found)
    return {
        **{name: figure.as_json() for name, figure in headline.items()},
        "goal": found.goal,
        "by_version": {
            "versions": [
                {
                    "language": known[pk].language,
                    "number": known[pk].number,
                    "confirmed": {"value": n, "fewer_than": None},
                }
                for pk, n in by_version.shown
                if pk in known
            ],
            "fewer_than": [
                {"language": known[pk].language, "number": known[pk].number}
                for pk in by_version.small
                if pk in known
            ],
            "other": by_version.other.as_json(),
        },
        "suppress_below": aggregates.threshold(),
        # Issue 17: the checkpoint of the count log that the total (confirmed + paper) matches.
        "log": logfigures.log_reference(found, logfigures.total(counts)),
    }


@endpoint
def countries(request: HttpRequest, slug: str) -> dict[str, Any]:
    found = aggregates.countries(_statement(slug))
    return {
        "total": found.total.as_json(),
        "countries": [{"country": code, "confirmed": n} for code, n in found.shown],
        "fewer_than": found.small,
        "other": found.other.as_json(),
        "suppress_below": aggregates.threshold(),
    }


@endpoint
def timeline(request: HttpRequest, slug: str) -> dict[str, Any]:
    interval = request.GET.get("interval", "hour")
    if interval not in ("hour", "day"):
        raise ApiError(400, "interval must be hour or day.")
    found = _statement(slug)
    step = dt.timedelta(hours=1) if interval == "hour" else dt.timedelta(days=1)
    return {
        "interval": interval,
        "buckets": [
            {"start": one.start, "end": one.end + step, "confirmed": one.count}
            for one in aggregates.timeline(found, interval)
        ],
        "suppress_below": aggregates.threshold(),
    }


def _limit(request: HttpRequest) -> int:
    raw = request.GET.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _next_url(request: HttpRequest, cursor: str, limit: int) -> str:
    return f"{settings.SITE_URL}{request.path}?cursor={cursor}&limit={limit}"


@endpoint
def signers(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Public signers, newest first, by keyset (public/signers.py), as each chose."""
    limit = _limit(request)
    raw = request.GET.get("cursor")
    try:
        after = signer_pages.read_cursor(raw) if raw is not None else None
    except signer_pages.BadCursor as error:
        raise ApiError(400, "cursor is not one this API gave out.") from error
    found = signer_pages.page(_statement(slug), limit, after)
    next_url = _next_url(request, found.next_cursor, limit) if found.next_cursor else None
    return {"signers": found.people, "next": next_url}


@endpoint
def organisations(request: HttpRequest, slug: str) -> dict[str, Any]:
    found = _statement(slug)
    return {
        "organisations": [
            {
                # A hidden co-signer is shown as "an organisation in <country> (<kind>)".
                "name": str(e.public_name),
                "country": str(e.country),
                "kind": e.kind,
                "website": e.public_website,
                "founding": e.founding,
                "note": e.public_note,
                "approved_at": e.shown_at,
            }
            for e in approved_organisations(found)
        ]
    }


@endpoint
def openapi(request: HttpRequest) -> dict[str, Any]:
    return document(settings.SITE_URL)
