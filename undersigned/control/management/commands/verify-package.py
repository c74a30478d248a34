"""Check a delivery package: every file against the manifest, the manifest against its
signature. Needs nothing but the package and the organisers' public signing key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.lib import manifest


class Command(BaseCommand):
    help = (
        "Check a delivery package and name the file that does not match. Without "
        "--public-key only the hashes are checked (the public package is not signed)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("package", type=Path)
        parser.add_argument(
            "--public-key", help="The organisers' public signing key, or a file holding it."
        )

    def handle(self, *args: Any, package: Path, public_key: str | None, **opts: Any) -> None:
        key = None if public_key is None else self._key(public_key)
        try:
            with package.open("rb") as source:
                checked = manifest.verify_package(source, key)
        except OSError as exc:
            raise CommandError(f"Cannot read {package}: {exc.strerror}.") from None
        except manifest.PackageError as exc:
            raise CommandError(f"{package} does NOT check out. {exc}") from None
        files = len(checked["files"])
        if key is None:
            self.stdout.write(
                f"{package}: the {files} files match the manifest. The signature was not "
                "checked: give the organisers' public signing key with --public-key."
            )
        else:
            self.stdout.write(
                f"{package}: OK. The {files} files match the manifest, and the manifest is "
                f"signed by {manifest.public_key_of_verify(key)}."
            )

    def _key(self, text: str) -> Any:
        path = Path(text)
        try:
            if path.is_file():
                text = path.read_text()
        except OSError:
            pass
        try:
            return manifest.load_verify_key(text)
        except manifest.PackageError as exc:
            raise CommandError(str(exc)) from None
