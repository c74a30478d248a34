from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from undersigned.statements.models import Statement
from undersigned.statements.paper import reconcile_paper
from undersigned.statements.services import reconcile


class Command(BaseCommand):
    help = "Compare every statement's counters with its rows and report drift (--fix mends it)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fix", action="store_true")

    def handle(self, *args: Any, fix: bool, **opts: Any) -> None:
        drifted = 0
        for statement in Statement.objects.order_by("slug"):
            report = reconcile(statement, fix=fix)
            shown, actual, extra = report.shown, report.actual, report.extra
            paper_shown, paper_rows = reconcile_paper(statement, fix=fix)
            self.stdout.write(
                f"{statement.slug}: counted {actual['counted']} (shown {shown['counted']}), "
                f"listed {actual['listed']} (shown {shown['listed']}), "
                f"unverified {actual['unverified']} (shown {shown['unverified']}), "
                f"pending {extra['pending']}, withdrawn {extra['withdrawn']}, "
                f"quarantined {extra['quarantined']} "
                f"({extra['quarantined_confirmed']} confirmed, awaiting release), "
                f"invalidated {extra['invalidated']}, paper {paper_rows} (shown {paper_shown})"
            )
            if report.drift or extra["wrongly_flagged"] or paper_shown != paper_rows:
                drifted += 1
                self.stdout.write(
                    self.style.WARNING(
                        f"  drift {report.drift}, wrongly flagged rows {extra['wrongly_flagged']}"
                        + (" (counters fixed)" if fix else "")
                    )
                )
        if drifted and not fix:
            raise SystemExit(1)
