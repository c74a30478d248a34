from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.statements.models import Statement, StatementError


class Command(BaseCommand):
    help = "Publish a draft statement, or close a published one (--close)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--close", action="store_true")

    def handle(self, *args: Any, slug: str, close: bool, **opts: Any) -> None:
        try:
            statement = Statement.objects.get(slug=slug)
            statement.close() if close else statement.publish()
        except Statement.DoesNotExist:
            raise CommandError(f"No statement '{slug}'.") from None
        except StatementError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{slug}: {statement.state}")
