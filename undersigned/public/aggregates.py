"""The public aggregates of a statement, as the suppression rules let them be published.

Each raw aggregate is one grouped query over the statement's counted signatures (by
country, by hour, by version) or approved endorsements (by kind and country), kept in the
shared cache and recomputed at most every AGGREGATE_SECONDS by one request, while the
others serve the copy before it: no page view counts rows (P2), even at a million
signatures. Everything public goes through lib/suppression.py (P9).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Substr, TruncHour

from undersigned.lib import suppression
from undersigned.lib.suppression import Breakdown, Figure, Interval
from undersigned.statements import caches
from undersigned.statements.models import Endorsement, Signature, Statement, StatementVersion

V = TypeVar("V")


def _cached(kind: str, statement_id: int, compute: Callable[[int], V]) -> V:
    return caches.aggregate(kind, statement_id, compute)


def _counted(statement_id: int) -> Any:
    return Signature.objects.filter(statement_id=statement_id, counted=True).order_by()


def _by_country(statement_id: int) -> dict[str, int]:
    rows = _counted(statement_id).values_list("country").annotate(n=Count("pk"))
    return {str(country): n for country, n in rows}


def _hour() -> Any:
    if connection.vendor == "sqlite":
        # TruncHour runs a Python function per row on SQLite (14 s over a million rows on a
        # busy machine); the stored UTC text's first 13 characters are the hour (1 s).
        return Substr("confirmed_at", 1, 13)
    return TruncHour("confirmed_at", tzinfo=dt.UTC)


def _as_hour(value: str | dt.datetime) -> dt.datetime:
    if isinstance(value, str):
        return dt.datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _by_hour(statement_id: int) -> list[tuple[dt.datetime, int]]:
    rows = (
        _counted(statement_id)
        .exclude(confirmed_at=None)
        .annotate(hour=_hour())
        .values_list("hour")
        .annotate(n=Count("pk"))
        .order_by("hour")
    )
    return [(_as_hour(hour), n) for hour, n in rows]


def _by_version(statement_id: int) -> dict[int, int]:
    rows = _counted(statement_id).values_list("version_id").annotate(n=Count("pk"))
    return {version: n for version, n in rows}


def _organisations(statement_id: int) -> list[tuple[str, str, int]]:
    rows = (
        Endorsement.objects.filter(statement_id=statement_id, state=Endorsement.State.APPROVED)
        .order_by()
        .values_list("kind", "country")
        .annotate(n=Count("pk"))
    )
    return [(kind, str(country), n) for kind, country, n in rows]


def threshold() -> int:
    return int(settings.SUPPRESS_BELOW)


def hidden_countries() -> set[str]:
    return {str(code).upper() for code in settings.STATS_HIDDEN_COUNTRIES}


def countries(statement: Statement) -> Breakdown[str]:
    parts = _cached("country", statement.pk, _by_country)
    return suppression.breakdown(parts, hidden=hidden_countries(), threshold=threshold())


def timeline(statement: Statement, interval: str) -> list[Interval[dt.datetime]]:
    """Signatures per hour or per day (UTC), small buckets merged (rule 3), the hours
    within the published days so that no day minus its hours is small."""
    hours = _cached("hour", statement.pk, _by_hour)
    days, merged_hours = suppression.nested_series(
        hours, lambda hour: hour.replace(hour=0), threshold()
    )
    return days if interval == "day" else merged_hours


def versions(statement: Statement) -> tuple[Breakdown[int], dict[int, StatementVersion]]:
    """Counted signatures by the version their signers saw, and the versions by id."""
    parts = _cached("version", statement.pk, _by_version)
    known = {v.pk: v for v in StatementVersion.objects.filter(statement=statement)}
    return suppression.breakdown(parts, threshold=threshold()), known


def organisations(statement: Statement) -> tuple[Breakdown[str], Breakdown[str]]:
    """Approved organisations by kind and by country (hidden countries under "other")."""
    rows = _cached("organisations", statement.pk, _organisations) if statement.is_public else []
    kinds: dict[str, int] = {}
    by_country: dict[str, int] = {}
    for kind, country, n in rows:
        kinds[kind] = kinds.get(kind, 0) + n
        by_country[country] = by_country.get(country, 0) + n
    return (
        suppression.breakdown(kinds, threshold=threshold()),
        suppression.breakdown(by_country, hidden=hidden_countries(), threshold=threshold()),
    )


def headline(statement: Statement, counts: dict[str, int]) -> dict[str, Figure]:
    """The counts a public output may show, from the counter shards (never counted rows)."""
    limit = threshold()
    return {
        "confirmed": suppression.public_count(counts["counted"], limit),
        "unverified": suppression.public_count(counts["unverified"], limit),
        "organisations": suppression.public_count(counts["organisations"], limit),
    }


def progress(statement: Statement, confirmed: Figure) -> int | None:
    """Percent of the goal, from a published figure only (none while it is suppressed)."""
    if not statement.goal or confirmed.value is None:
        return None
    return min(100, round(100 * confirmed.value / statement.goal))
