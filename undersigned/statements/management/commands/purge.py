from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from undersigned.statements.retention import BATCH_SIZE, purge


class Command(BaseCommand):
    help = (
        "Delete what is past its retention deadline: unconfirmed signatures, the sealed "
        "personal data of closed statements, and finished emails. Safe to run often, to run "
        "twice and to interrupt."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args: Any, batch_size: int, **opts: Any) -> None:
        self.stdout.write(f"purge: {purge(batch_size=max(1, batch_size))}")
