"""Decrypt and export a statement's signers, online and on paper, on the organisers' own
machine.

This needs only the database (or a copy of it) and the organisers' private key: no server
secret is read, so it runs against a restored dump with DATABASE_URL pointing at it. Paper
signers follow the online ones, marked "paper" with their sheet and batch; the same
visibility rule applies to both.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DatabaseError
from tqdm import tqdm

from undersigned.lib import exports, sealing
from undersigned.statements.models import PaperSignature, Signature, Statement


def _opened(
    private: Any, sealed: Any, shown_as: int, for_target: bool, *, refused: str, **now: Any
) -> dict[str, Any] | None:
    """One sealed row opened: for the target only what it made public (None if nothing),
    else the sealed record with what the row says NOW."""
    try:
        record = sealing.unseal(private, bytes(sealed))
    except sealing.KeyError_:
        raise CommandError(refused) from None
    # The less public of what was sealed and what the row says now: a signer may have
    # lowered it since, and a tampered row can never raise it.
    visibility = max(int(record.get("visibility", 4)), shown_as)
    if for_target:
        return exports.for_target(record, visibility)
    return {**record, "visibility": visibility, **now}


class Command(BaseCommand):
    help = (
        "Export a statement's signers, decrypted locally with the organisers' private key. "
        "--for-target keeps only what each signer made public."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--key", type=Path, required=True, help="Private key file.")
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument(
            "--for-target",
            action="store_true",
            help="Only what signers made public; hidden signers only as a number.",
        )
        parser.add_argument("--output", type=Path, help="File to write (default: stdout).")

    def handle(
        self,
        *args: Any,
        slug: str,
        key: Path,
        format: str,
        for_target: bool,
        output: Path | None,
        **opts: Any,
    ) -> None:
        private = self._private_key(key)
        try:
            statement = Statement.objects.get(slug=slug)
        except Statement.DoesNotExist:
            raise CommandError(f"No statement '{slug}' in this database.") from None
        except DatabaseError as exc:
            raise CommandError(f"Cannot read the database: {exc}") from None
        own = base64.b64encode(bytes(private.public_key)).decode()
        if statement.public_key and own != statement.public_key:
            raise CommandError(
                f"This private key does not belong to statement '{slug}': its public key "
                "differs. Use the key pair whose public key was given when importing it."
            )
        if format == "xlsx" and output is None:
            raise CommandError("XLSX needs --output FILE.")
        # The target gets no "source" and no paper count: which signers signed at a
        # physical collection point is the organisers' to know, not the target's.
        columns = exports.TARGET_COLUMNS if for_target else exports.FULL_COLUMNS
        seen = {"listed": 0, "not_public": 0, "paper": 0}

        def records() -> Iterator[dict[str, Any]]:
            # Streamed: each row is written as it is opened, and none is kept.
            for row, source in chain(
                ((row, "online") for row in self._rows(statement, private, for_target)),
                ((row, "paper") for row in self._paper_rows(statement, private, for_target)),
            ):
                seen["not_public" if row is None else "listed"] += 1
                seen["paper"] += source == "paper"
                if row is not None:
                    yield {**row, "source": source}

        def summary() -> dict[str, Any]:
            about: dict[str, Any] = {"statement": slug, "listed": seen["listed"]}
            if for_target:
                about["not_public"] = seen["not_public"]
            else:
                about["paper"] = seen["paper"]
            return about

        self._write(format, records(), columns, summary, output)
        note = f"{seen['listed']} signer(s) exported"
        if for_target:
            note += f"; {seen['not_public']} more signed but asked not to be named (count only)"
        self.stderr.write(note)

    def _private_key(self, path: Path) -> Any:
        try:
            return sealing.load_private_key(path.read_text())
        except OSError as exc:
            raise CommandError(f"Cannot read the key file {path}: {exc.strerror}.") from None
        except sealing.KeyError_ as exc:
            raise CommandError(f"{path}: {exc}") from None

    def _rows(self, statement: Statement, private: Any, for_target: bool) -> Any:
        signatures = Signature.objects.filter(statement=statement, sealed__isnull=False)
        if for_target:
            signatures = signatures.filter(counted=True)
        else:
            signatures = signatures.filter(
                status__in=[Signature.Status.CONFIRMED, Signature.Status.UNVERIFIED]
            )
        signatures = signatures.order_by("confirmed_at", "created_at", "pk")
        total = signatures.count()
        # Five columns, not whole model instances: at a million signers the instances took
        # as long as opening the sealed data.
        columns = signatures.values_list(
            "sealed", "visibility", "status", "counted", "confirmed_at"
        )
        for sealed, shown_as, status, counted, confirmed_at in tqdm(
            columns.iterator(chunk_size=2000), total=total, unit="signer", file=sys.stderr
        ):
            yield _opened(
                private,
                sealed,
                shown_as,
                for_target,
                refused="This private key does not open the signatures of this statement.",
                status=status,
                counted=counted,
                confirmed_at=confirmed_at.isoformat() if confirmed_at else "",
            )

    def _paper_rows(self, statement: Statement, private: Any, for_target: bool) -> Any:
        """Paper signers, as the online ones: the less public of what was sealed and what
        the row says now. Rows of an undone batch are gone; a purged row opens nothing."""
        rows = PaperSignature.objects.filter(statement=statement, sealed__isnull=False)
        rows = rows.order_by("batch", "line")
        columns = rows.values_list("sealed", "visibility", "sheet", "batch_id", "created_at")
        for sealed, shown_as, sheet, batch, created_at in tqdm(
            columns.iterator(chunk_size=500),
            total=rows.count(),
            unit="paper",
            file=sys.stderr,
            disable=None,
        ):
            yield _opened(
                private,
                sealed,
                shown_as,
                for_target,
                refused="This private key does not open the paper signatures.",
                status="paper",
                counted=True,
                confirmed_at=created_at.isoformat(),
                sheet=sheet,
                batch=batch,
            )

    def _write(
        self,
        format: str,
        records: Iterator[dict[str, Any]],
        columns: list[str],
        summary: Callable[[], dict[str, Any]],
        output: Path | None,
    ) -> None:
        if output is None:
            self._text(format, records, columns, summary, _Unended(self.stdout))
            return
        # Written beside the file and moved over it when complete: an export stopped
        # halfway (a key that opens only some rows, ^C) leaves no truncated list behind.
        partial = output.with_name(output.name + ".part")
        try:
            if format == "xlsx":
                exports.write_xlsx(records, columns, str(partial), summary)
            else:
                with partial.open("w", encoding="utf-8", newline="") as out:
                    self._text(format, records, columns, summary, out)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)

    def _text(
        self,
        format: str,
        records: Iterator[dict[str, Any]],
        columns: list[str],
        summary: Callable[[], dict[str, Any]],
        out: Any,
    ) -> None:
        if format == "csv":
            exports.write_csv(records, columns, out)
        else:
            exports.write_json(records, columns, out, summary)


class _Unended:
    """The command's stdout as a plain stream: OutputWrapper.write adds a newline."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> int:
        self.wrapper.write(text, ending="")
        return len(text)
