"""`undersigned verify-receipt URL RECEIPT`: prove one's own signature is in the count log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.tlog import client

DEFAULT_STATE = Path.home() / ".undersigned" / "seen.json"


class Command(BaseCommand):
    help = "Check a receipt: its leaf is in the signed log, and whether it was later withdrawn."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("url", help="The statement's page or its log (…/log/<slug>/).")
        parser.add_argument("receipt", type=Path, help="The receipt file.")
        parser.add_argument("--log-key", help="The log's verifier key (else pinned on first use).")
        parser.add_argument("--state", type=Path, default=DEFAULT_STATE)

    def handle(self, *args: Any, **opts: Any) -> None:
        log = client.Log(client.log_prefix(opts["url"]), lambda url: client.http_fetch(url))
        state = client.State.load(opts["state"])
        try:
            receipt = client.Receipt.parse(opts["receipt"].read_text())
            key, _pinned = client.log_key(log, state, opts["log_key"])
            status = client.check_receipt(log, key, receipt)
        except (OSError, client.VerifyError) as error:
            raise CommandError(f"receipt NOT verified: {error}") from error
        state.save()
        checkpoint = status.checkpoint
        self.stdout.write(
            f"OK leaf {receipt.index} ({status.event.event}, {status.event.hour}) is in the "
            f"log's checkpoint of {checkpoint.size} leaves, and its commitment is your secret"
        )
        if status.removed_by is None:
            self.stdout.write("your signature counts in this checkpoint")
        else:
            removed = status.removed_by
            self.stdout.write(f"your signature was {removed.event} at leaf {removed.seq}")
