"""Many counted signatures at once, for the tests of public aggregates (not a test module)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from undersigned.statements.models import Signature, Statement


def add_signatures(
    statement: Statement,
    n: int,
    *,
    country: str,
    visibility: int = 4,
    when: dt.datetime | None = None,
    name: str = "",
) -> list[Signature]:
    """N confirmed, counted signatures from COUNTRY, with the counter shards moved."""
    when = when or timezone.now()
    version = statement.text(statement.primary_language)
    listed = visibility < 4
    rows = Signature.objects.bulk_create(
        Signature(
            statement=statement,
            version=version,
            language=version.language,
            status=Signature.Status.CONFIRMED,
            counted=True,
            country=country,
            visibility=visibility,
            public_name=f"{name} {i}" if listed and name else "",
            created_at=when,
            confirmed_at=when,
        )
        for i in range(n)
    )
    statement.bump(counted=n, listed=n if listed else 0)
    return rows
