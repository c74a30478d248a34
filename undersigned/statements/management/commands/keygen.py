from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.sealing import generate_keypair


class Command(BaseCommand):
    help = (
        "Write a new organisers' key pair. The public key goes to the server; the private "
        "key must be moved to the organisers' own machine and deleted from the server."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", type=Path, default=Path("."), help="Folder to write into.")
        parser.add_argument("--name", default="organisers")

    def handle(self, *args: Any, out: Path, name: str, **opts: Any) -> None:
        out.mkdir(parents=True, exist_ok=True)
        public_path, private_path = out / f"{name}.pub", out / f"{name}.key"
        if private_path.exists() or public_path.exists():
            raise CommandError(f"{private_path} or {public_path} exists; refusing to overwrite.")
        public, private = generate_keypair()
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(private + "\n")
        public_path.write_text(public + "\n")
        self.stdout.write(f"Public key:  {public_path}\nPrivate key: {private_path}")
        self.stdout.write(
            self.style.WARNING(
                "Move the private key to the organisers' own machine and delete it here: "
                "whoever holds it can read every signer's personal data."
            )
        )
