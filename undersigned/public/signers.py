"""The public signers of a statement, newest first, paged by keyset: the statement page
keeps the latest few and links here; /api/v1/ pages the same way.

A cursor names the last row of a page by its confirmation time and id, which are not
public, so it is encrypted under a key derived from SECRET_KEY. Keyset paging reads one
page from the public_list index wherever it starts, where an offset would walk every row
before it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django_countries import countries as country_names
from nacl.exceptions import CryptoError

from undersigned.lib import sealing
from undersigned.lib.visibility import shown
from undersigned.public.pages import PUBLIC_CACHE, public_statement
from undersigned.statements import caches
from undersigned.statements.counting import LISTED_Q
from undersigned.statements.models import Signature, Statement

FIELDS: tuple[str, ...] = ("id", "confirmed_at", "visibility", "public_name", "public_city")
FIELDS += ("public_affiliation", "country")


class BadCursor(ValueError):
    pass


def _secret() -> str:
    return f"{settings.SECRET_KEY}:signers-cursor"


def make_cursor(row: Signature) -> str:
    assert row.confirmed_at is not None  # listed means confirmed
    blob = sealing.server_encrypt(_secret(), {"v": [row.confirmed_at.isoformat(), row.pk]})
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def read_cursor(raw: str) -> tuple[dt.datetime, int]:
    if len(raw) > 200:
        raise BadCursor("not a cursor this site gave out")
    try:
        blob = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        when, pk = sealing.server_decrypt(_secret(), blob)["v"]
        return dt.datetime.fromisoformat(when), int(pk)
    except (CryptoError, ValueError, binascii.Error, KeyError, TypeError) as error:
        raise BadCursor("not a cursor this site gave out") from error


@dataclass
class Page:
    people: list[dict[str, str]]
    next_cursor: str | None


def page(statement: Statement, limit: int, after: tuple[dt.datetime, int] | None) -> Page:
    """LIMIT public signers after the cursor AFTER, as each chose to be shown."""
    rows = Signature.objects.filter(LISTED_Q, statement=statement).order_by("-confirmed_at", "-id")
    if after is not None:
        when, pk = after
        # The `<=` bound alone lets SQLite search the public_list index from the cursor on;
        # with only the OR it walked the index from the newest row (771 ms at page 11,000 of
        # a million signatures, 1.3 ms with it; issue 18).
        rows = rows.filter(confirmed_at__lte=when).filter(
            Q(confirmed_at__lt=when) | Q(confirmed_at=when, id__lt=pk)
        )
    found = list(rows.only(*FIELDS)[: limit + 1])
    people = []
    for row in found[:limit]:
        person = shown(
            row.visibility,
            name=row.public_name,
            city=row.public_city,
            affiliation=row.public_affiliation,
            country=str(row.country),
        )
        if person is not None:
            # public_name already holds what the signer's level shows (initials for 3).
            people.append({**person, "name": row.public_name})
    more = len(found) > limit
    return Page(people, make_cursor(found[limit - 1]) if more else None)


@require_safe
@cache_control(**PUBLIC_CACHE)
def signer_list(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    raw = request.GET.get("after", "")
    try:
        after = read_cursor(raw) if raw else None
    except BadCursor:
        context: dict[str, Any] = {"statement": statement, "bad_cursor": True}
        return render(request, "public/signers.html", context, status=400)

    def render_page() -> bytes:
        found = page(statement, settings.SIGNERS_PER_PAGE, after)
        people = [
            {
                **person,
                "country": country_names.name(person["country"]) if person["country"] else "",
            }
            for person in found.people
        ]
        page_context = {
            "statement": statement,
            "text": statement.text(get_language()),
            "people": people,
            "next_cursor": found.next_cursor,
            "first": not raw,
        }
        return render(request, "public/signers.html", page_context).content

    body = caches.public_output(
        "signers",
        statement.pk,
        get_language(),
        raw,
        seconds=settings.PAGE_CACHE_SECONDS,
        render=render_page,
    )
    return HttpResponse(body)
