from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from undersigned.statements.models import Endorsement


class Command(BaseCommand):
    help = "Delete organisations' endorsements whose confirmation link expired unused."

    def handle(self, *args: Any, **opts: Any) -> None:
        deleted = Endorsement.purge_unconfirmed()
        self.stdout.write(f"purge_endorsements: deleted {deleted}")
