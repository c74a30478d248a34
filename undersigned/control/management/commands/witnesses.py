"""`undersigned witnesses`: register, list and retire the keys of the count log's witnesses."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.tlog import note
from undersigned.statements import tlog
from undersigned.statements import witnesses as log_witnesses
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
            if action == "add":
                witness = log_witnesses.register_witness(vkey, opts["public_name"])
                self.stdout.write(f"witness {witness.vkey.split('+')[0]} registered")
                return
            verifier = note.Verifier.parse(vkey)
        except (tlog.LogError, note.NoteError) as error:
            raise CommandError(str(error)) from error
        found = Witness.objects.filter(vkey=verifier.vkey).first()
        if found is None:
            raise CommandError("no such witness")
        log_witnesses.retire_witness(found)
        self.stdout.write(f"witness {verifier.name} retired")
