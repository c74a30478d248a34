from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from undersigned.statements.models import TrendingSource
from undersigned.statements.trending import report_trending


class Command(BaseCommand):
    help = (
        "Record sources (client hashes, email domains) with unusual signing rates this hour "
        "and the last, email organisers above the alert threshold, apply retention."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        alerts = report_trending()
        recent = TrendingSource.objects.select_related("statement").order_by("-hour")[:20]
        for row in recent:
            self.stdout.write(
                f"{row.hour:%Y-%m-%d %H}:00 {row.statement.slug} {row.kind} "
                f"{row.label or row.digest}: {row.signatures} ({row.quarantined} quarantined)"
            )
        self.stdout.write(f"trending: {len(alerts)} new alert(s)")
