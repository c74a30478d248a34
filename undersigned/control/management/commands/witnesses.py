"""`undersigned witnesses`: register, list and retire the keys of the count log's witnesses."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.tlog import note
from undersigned.statements.models import Witness


class Command(BaseCommand):
    help = "Register (add), list or retire the witnesses whose cosignatures the site publishes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["add", "list", "retire"])
        parser.add_argument("vkey", nargs="?", help="The witness's verifier key (type 0x04).")
        parser.add_argument(
            "--public-name", default="", help="Name shown on the page; empty: not named."
        )

    def handle(self, *args: Any, action: str, vkey: str | None, **opts: Any) -> None:
        if action == "list":
            for witness in Witness.objects.order_by("created_at"):
                state = "active" if witness.active else "retired"
                self.stdout.write(f"{state}\t{witness.public_name or '-'}\t{witness.vkey}")
            return
        if not vkey:
            raise CommandError("give the witness's verifier key")
        try:
            verifier = note.Verifier.parse(vkey)
        except note.NoteError as error:
            raise CommandError(str(error)) from error
        if verifier.sig_type != note.COSIGNATURE_V1:
            raise CommandError("a witness key is a cosignature key (type 0x04)")
        if action == "add":
            Witness.objects.update_or_create(
                vkey=verifier.vkey, defaults={"public_name": opts["public_name"], "active": True}
            )
            self.stdout.write(f"witness {verifier.name} registered")
        elif not Witness.objects.filter(vkey=verifier.vkey).update(active=False):
            raise CommandError("no such witness")
        else:
            self.stdout.write(f"witness {verifier.name} retired")
