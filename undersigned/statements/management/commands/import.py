from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.statement_files import StatementFileError, parse
from undersigned.statements.models import StatementError
from undersigned.statements.services import import_statement


class Command(BaseCommand):
    help = (
        "Create or update a draft statement from Markdown files with YAML front matter: "
        "the primary language first, then its translations."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--public-key",
            type=Path,
            help="File with the organisers' public key (from `undersigned keygen`).",
        )

    def handle(self, *args: Any, files: list[Path], public_key: Path | None, **opts: Any) -> None:
        try:
            source = parse(files, languages=[code for code, _name in settings.LANGUAGES])
            key = public_key.read_text().strip() if public_key else None
            result = import_statement(source, public_key=key)
        except StatementFileError as exc:
            raise CommandError(f"{exc.location}: {exc.message}") from None
        except (StatementError, OSError) as exc:
            raise CommandError(str(exc)) from None
        statement = result.statement
        for warning in source.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        verb = "Created" if result.created else "Updated"
        self.stdout.write(f"{verb} statement '{statement.slug}' ({statement.state}).")
        for item in result.new_versions:
            self.stdout.write(f"  new text version: {item}")
        for item in result.updated_in_place:
            self.stdout.write(f"  formatting updated in place: {item}")
        if not result.new_versions and not result.updated_in_place:
            self.stdout.write("  no text changes")
        if not statement.public_key:
            self.stdout.write(
                self.style.WARNING(
                    "  no organisers' public key: signing stays closed until one is set "
                    "(--public-key or ORGANISERS_PUBLIC_KEY)."
                )
            )
