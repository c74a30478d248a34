"""Paper signatures from the command line: import a typed-up CSV of sheets, or undo a batch.

The CSV has the columns of the printed sheet (`undersigned sheets`): sheet, name, email,
country, city, affiliation, visibility (1–4, blank for 4) and signed_on (YYYY-MM-DD).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from undersigned.statements import paper
from undersigned.statements.models import PaperBatch, Statement, StatementError


class Command(BaseCommand):
    help = "Import paper signatures from a CSV as one batch (`import`), or undo a batch (`undo`)."

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("import", help="Import a CSV of paper signatures.")
        load.add_argument("slug")
        load.add_argument("csv", type=Path)
        undo = actions.add_parser("undo", help="Remove exactly the rows of one batch.")
        undo.add_argument("batch", type=int)

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        if action == "undo":
            self._undo(opts["batch"])
        else:
            self._import(opts["slug"], opts["csv"])

    def _import(self, slug: str, path: Path) -> None:
        statement = Statement.objects.filter(slug=slug).first()
        if statement is None:
            raise CommandError(f"No statement '{slug}' in this database.")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path} as UTF-8 text: {exc}") from None
        try:
            rows = paper.parse(text)
            outcome = paper.import_rows(statement, rows, progress=self._progress)
        except paper.PaperImportError as exc:
            raise CommandError(f"{exc}\n{exc.detail}") from None
        except StatementError as exc:
            raise CommandError(str(exc)) from None
        batch = outcome.batch
        self.stdout.write(
            f"Batch {batch.pk}: {batch.size} paper signature(s) added from sheets "
            f"{batch.sheets}; {batch.skipped} left out as already signed"
            + (f" (lines {', '.join(map(str, outcome.skipped_lines))})." if batch.skipped else ".")
        )

    def _undo(self, number: int) -> None:
        batch = PaperBatch.objects.filter(pk=number).first()
        if batch is None:
            raise CommandError(f"No paper batch {number}.")
        try:
            removed = paper.undo(batch)
        except StatementError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Undid paper batch {number}: {removed} signature(s) removed.")

    @staticmethod
    def _progress(rows: Any) -> Any:
        # A bar on a terminal only (disable=None); pipes and tests get none.
        return tqdm(rows, unit="row", file=sys.stderr, disable=None, desc="sealing")
