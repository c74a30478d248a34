"""Make a statement's delivery package on the organisers' own machine.

Signers are opened with the organisers' private key exactly as `export --for-target` opens
them (the same code): each as they chose to be shown, hidden signers only as a count. The
manifest is signed with the organisers' signing key (`keygen` writes it beside the key).
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError
from django.utils import translation
from tqdm import tqdm

from undersigned.control.management.commands.export import Command as ExportCommand
from undersigned.lib import manifest
from undersigned.statements import package
from undersigned.statements.models import Statement


class Command(ExportCommand):
    help = (
        "Write a statement's delivery package (PDF, CSV, XLSX, a signed manifest and a page "
        "on how to check it), decrypting signers locally with the organisers' private key."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--key", type=Path, required=True, help="Private key file.")
        parser.add_argument(
            "--signing-key",
            type=Path,
            help="Signing key file (default: NAME-signing.key beside --key).",
        )
        parser.add_argument("--output", type=Path, required=True, help="Zip file to write.")
        parser.add_argument("--language", help="Language of the package (default: primary).")

    def handle(  # type: ignore[override]
        self,
        *args: Any,
        slug: str,
        key: Path,
        signing_key: Path | None,
        output: Path,
        language: str | None,
        **opts: Any,
    ) -> None:
        private = self._private_key(key)
        signer = self._signing_key(signing_key or key.with_name(f"{key.stem}-signing.key"))
        statement = self._statement(slug)
        own = base64.b64encode(bytes(private.public_key)).decode()
        if statement.public_key and own != statement.public_key:
            raise CommandError(
                f"This private key does not belong to statement '{slug}': its public key "
                "differs. Use the key pair whose public key was given when importing it."
            )
        signers = package.Signers()
        for row in chain(
            self._rows(statement, private, for_target=True),
            self._paper_rows(statement, private, for_target=True),
        ):
            if row is None:
                signers.hidden += 1
            else:
                signers.rows.append(row)
        language = language or statement.primary_language
        with translation.override(language), output.open("wb") as out:
            package.write(out, statement, signers, signer, progress=self._laying_out)
        self.stdout.write(
            f"{output}: {len(signers.rows)} signer(s) listed, {signers.hidden} counted only; "
            f"signed with {manifest.public_key_of(signer)}"
        )

    @staticmethod
    def _laying_out(rows: Sequence[Sequence[str]]) -> Iterable[Sequence[str]]:
        # On a terminal only (disable=None): laying out the PDF is the long part.
        return tqdm(rows, unit="row", desc="PDF", file=sys.stderr, disable=None)

    def _statement(self, slug: str) -> Statement:
        try:
            return Statement.objects.get(slug=slug)
        except Statement.DoesNotExist:
            raise CommandError(f"No statement '{slug}' in this database.") from None
        except DatabaseError as exc:
            raise CommandError(f"Cannot read the database: {exc}") from None

    def _signing_key(self, path: Path) -> Any:
        try:
            return manifest.load_signing_key(path.read_text())
        except OSError as exc:
            raise CommandError(
                f"Cannot read the signing key {path}: {exc.strerror}. `undersigned keygen` "
                "writes one beside the organisers' key; give it with --signing-key."
            ) from None
        except manifest.PackageError as exc:
            raise CommandError(f"{path}: {exc}") from None
