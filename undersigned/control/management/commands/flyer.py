from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from undersigned.lib import sourcetags
from undersigned.lib.pdfdoc import PAPERS
from undersigned.statements import printed
from undersigned.statements.models import Statement


def printable_statement(slug: str, language: str | None) -> tuple[Statement, str]:
    """The statement and the language to print it in (default: its primary language)."""
    try:
        statement = Statement.objects.get(slug=slug)
    except Statement.DoesNotExist:
        raise CommandError(f"No statement '{slug}' in this database.") from None
    language = language or statement.primary_language
    if language not in statement.languages:
        raise CommandError(
            f"Statement '{slug}' has no text in '{language}': it has "
            f"{', '.join(statement.languages)}."
        )
    return statement, language


def issued_tag(tag: str) -> str:
    """The `src` value for TAG, with the check only this site can make (lib/sourcetags.py)."""
    try:
        return sourcetags.issue(settings.SECRET_KEY, tag)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def add_print_arguments(parser: Any, *, source: str) -> None:
    """What every printed-paper command asks (flyer, sheets): the statement, its language,
    the paper size and the source tag in the QR code, SOURCE unless given."""
    parser.add_argument("slug")
    parser.add_argument("--language", help="Language to print (default: primary).")
    parser.add_argument("--paper", choices=sorted(PAPERS), default="a4")
    parser.add_argument(
        "--src",
        default=source,
        help="Source tag in the QR code: 1–32 lower-case letters, digits and hyphens.",
    )


class Command(BaseCommand):
    help = (
        "Write a printable flyer for a statement: title, demands, address and a QR code "
        "with a source tag (?src=), so the trending report shows which flyer brought signers."
    )

    def add_arguments(self, parser: Any) -> None:
        add_print_arguments(parser, source="flyer")
        parser.add_argument("--output", type=Path, required=True, help="PDF file to write.")

    def handle(
        self,
        *args: Any,
        slug: str,
        language: str | None,
        paper: str,
        src: str,
        output: Path,
        **opts: Any,
    ) -> None:
        statement, language = printable_statement(slug, language)
        source = issued_tag(src)
        output.write_bytes(printed.flyer(statement, language=language, paper=paper, source=source))
        self.stdout.write(f"{output}: flyer in {language} on {paper}, source tag '{src}'.")
