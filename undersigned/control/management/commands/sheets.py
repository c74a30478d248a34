from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.control.management.commands.flyer import (
    add_print_arguments,
    issued_tag,
    printable_statement,
)
from undersigned.statements import printed


class Command(BaseCommand):
    help = (
        "Write numbered paper signature sheets for a statement, one page each, with the "
        "columns the statement asks, a consent line, the sheet number and a QR code."
    )

    def add_arguments(self, parser: Any) -> None:
        add_print_arguments(parser, source="sheet")
        parser.add_argument("--first", type=int, default=1, help="Number of the first sheet.")
        parser.add_argument("--count", type=int, default=1, help="How many sheets.")
        parser.add_argument("--output", type=Path, required=True, help="PDF file to write.")

    def handle(
        self,
        *args: Any,
        slug: str,
        language: str | None,
        paper: str,
        src: str,
        first: int,
        count: int,
        output: Path,
        **opts: Any,
    ) -> None:
        if first < 1 or not 1 <= count <= 1000:
            raise CommandError("--first must be 1 or more and --count from 1 to 1000.")
        statement, language = printable_statement(slug, language)
        src = issued_tag(src)
        numbers = [f"{n:04d}" for n in range(first, first + count)]
        pdf = printed.sheets(statement, language=language, paper=paper, source=src, numbers=numbers)
        output.write_bytes(pdf)
        self.stdout.write(f"{output}: sheets {numbers[0]}–{numbers[-1]} in {language}.")
