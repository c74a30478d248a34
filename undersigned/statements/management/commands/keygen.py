from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.manifest import generate_signing_keypair
from undersigned.lib.sealing import generate_keypair


def signing_paths(folder: Path, name: str) -> tuple[Path, Path]:
    """(public, private) of the signing key pair that goes with key pair NAME."""
    return folder / f"{name}-signing.pub", folder / f"{name}-signing.key"


class Command(BaseCommand):
    help = (
        "Write a new organisers' key pair, and beside it a signing key pair for delivery "
        "packages. The public keys are for the server and for recipients; the private keys "
        "must be moved to the organisers' own machine and deleted from the server."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", type=Path, default=Path("."), help="Folder to write into.")
        parser.add_argument("--name", default="organisers")

    def handle(self, *args: Any, out: Path, name: str, **opts: Any) -> None:
        out.mkdir(parents=True, exist_ok=True)
        public_path, private_path = out / f"{name}.pub", out / f"{name}.key"
        signing_public, signing_private = signing_paths(out, name)
        paths = (private_path, public_path, signing_private, signing_public)
        if any(path.exists() for path in paths):
            existing = ", ".join(str(path) for path in paths if path.exists())
            raise CommandError(f"{existing} exists; refusing to overwrite.")
        public, private = generate_keypair()
        _write_private(private_path, private)
        public_path.write_text(public + "\n")
        signing_public_key, signing_private_key = generate_signing_keypair()
        _write_private(signing_private, signing_private_key)
        signing_public.write_text(signing_public_key + "\n")
        self.stdout.write(f"Public key:  {public_path}\nPrivate key: {private_path}")
        self.stdout.write(
            f"Signing key for delivery packages: {signing_private}\n"
            f"Its public key, for recipients to check a package: {signing_public}"
        )
        self.stdout.write(
            self.style.WARNING(
                "Move the private keys to the organisers' own machine and delete them here: "
                "whoever holds the first can read every signer's personal data, and whoever "
                "holds the signing key can sign a package in the organisers' name."
            )
        )


def _write_private(path: Path, key: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
