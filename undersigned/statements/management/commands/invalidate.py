from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from undersigned.statements.models import InvalidationBatch, Statement, StatementError
from undersigned.statements.services import Criteria, invalidate, undo_invalidation


def _when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"not a date and time (use ISO 8601, e.g. 2026-03-01T14:00Z): {value}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = (
        "Invalidate a statement's signatures in bulk by criteria. A dry run unless --apply; "
        "--undo BATCH restores exactly one earlier batch."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", nargs="?")
        parser.add_argument("--since", help="Signed at or after (ISO 8601).")
        parser.add_argument("--until", help="Signed before (ISO 8601).")
        parser.add_argument("--domain", default="", help="Email domain, e.g. example.org.")
        parser.add_argument("--source", default="", help="Client hash from the trending report.")
        parser.add_argument("--quarantined", choices=["yes", "no"])
        parser.add_argument("--reason", default="")
        parser.add_argument("--apply", action="store_true", help="Change rows (default: dry run).")
        parser.add_argument("--undo", type=int, metavar="BATCH")

    def handle(self, *args: Any, **o: Any) -> None:
        if o["undo"]:
            batch = InvalidationBatch.objects.filter(pk=o["undo"]).first()
            if batch is None:
                raise CommandError(f"no invalidation batch {o['undo']}")
            try:
                rows = undo_invalidation(batch)
            except StatementError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Undid batch {batch.pk}: {rows} signature(s) restored.")
            return
        if not o["slug"]:
            raise CommandError("name the statement (its slug), or use --undo BATCH")
        statement = Statement.objects.filter(slug=o["slug"]).first()
        if statement is None:
            raise CommandError(f"no statement '{o['slug']}'")
        quarantined = {"yes": True, "no": False, None: None}[o["quarantined"]]
        criteria = Criteria(
            since=_when(o["since"]),
            until=_when(o["until"]),
            domain=o["domain"].strip().lower(),
            source=o["source"].strip(),
            quarantined=quarantined,
        )
        try:
            result = invalidate(
                statement, criteria=criteria, reason=o["reason"], dry_run=not o["apply"]
            )
        except StatementError as exc:
            raise CommandError(str(exc)) from None
        if result.batch is None:
            self.stdout.write(
                f"Dry run: {result.matched} signature(s) would be invalidated, "
                f"{result.counted} of them counted now. Add --apply and --reason to do it."
            )
        else:
            self.stdout.write(
                f"Batch {result.batch.pk}: {result.matched} signature(s) invalidated, "
                f"count down by {result.counted}. Undo with --undo {result.batch.pk}."
            )
