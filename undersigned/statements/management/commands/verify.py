"""`undersigned verify URL`: check a statement's count log with nothing but its public files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.tlog import client, note

DEFAULT_STATE = Path.home() / ".undersigned" / "seen.json"


def witness_keys(text: str) -> list[note.Verifier]:
    """Comma- or line-separated cosigner keys, or @FILE to read them from a file."""
    if text.startswith("@"):
        text = Path(text[1:]).read_text()
    try:
        return [note.Verifier.parse(k) for k in text.replace(",", "\n").split() if k]
    except note.NoteError as error:
        raise CommandError(f"bad witness key: {error}") from error


class Command(BaseCommand):
    help = (
        "Verify a statement's count log: the signed checkpoint and its cosignatures, every "
        "leaf, the recount, and consistency with every checkpoint seen before."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("url", help="The statement's page or its log (…/log/<slug>/).")
        parser.add_argument("--log-key", help="The log's verifier key (else pinned on first use).")
        parser.add_argument("--witness-keys", default="", help="Cosigner keys, comma-separated.")
        parser.add_argument("--min-witnesses", type=int, default=0)
        parser.add_argument("--expect-count", type=int, help="The count the site shows.")
        parser.add_argument("--state", type=Path, default=DEFAULT_STATE)

    def handle(self, *args: Any, **opts: Any) -> None:
        log = client.Log(client.log_prefix(opts["url"]), lambda url: client.http_fetch(url))
        state = client.State.load(opts["state"])
        try:
            key, pinned = client.log_key(log, state, opts["log_key"])
            if pinned:
                self.stdout.write(f"pinned the log key {key.vkey}: compare it with the site's")
            statement = key.name.rsplit("/", 1)[-1]
            cosigners = witness_keys(opts["witness_keys"])
            seen_before = len(state.seen(key.name))
            verified = client.verify_log(log, key, statement, state, cosigners)
        except client.VerifyError as error:
            raise CommandError(f"verification FAILED: {error}") from error
        self.report(verified, seen_before, opts)
        self.compare_published(log, verified)
        state.save()

    def compare_published(self, log: client.Log, verified: client.Verified) -> None:
        """The count the site publishes for a checkpoint must be the one its leaves prove."""
        try:
            claim = json.loads(log.get("count.json"))
        except (client.VerifyError, ValueError):
            self.stdout.write("the site publishes no count for its checkpoints")
            return
        size, count = claim.get("checkpoint"), claim.get("count")
        if size != verified.checkpoint.size:
            self.stdout.write(f"the site's published count is for another checkpoint ({size})")
        elif count != verified.tally.count:
            raise CommandError(
                f"verification FAILED: the site publishes {count} at checkpoint {size}, "
                f"its leaves prove {verified.tally.count}"
            )
        else:
            self.stdout.write(f"the site's published count at this checkpoint agrees: {count}")

    def report(self, verified: client.Verified, seen_before: int, opts: dict[str, Any]) -> None:
        tally, size = verified.tally, verified.checkpoint.size
        self.stdout.write(
            f"OK {verified.checkpoint.origin}: {size} leaves, signed by the log; count "
            f"{tally.count} = {tally.counted} counted - {tally.withdrawn} withdrawn - "
            f"{tally.invalidated} invalidated + {tally.released} released + {tally.paper} paper"
            f"; and, counted apart, {tally.unverified} unverified (without an email)"
        )
        self.stdout.write(f"consistent with {seen_before} checkpoint(s) seen before")
        names = ", ".join(f"{n} (at {t})" for n, t in sorted(verified.witnesses.items()))
        self.stdout.write(f"witnessed by {len(verified.witnesses)}: {names or 'nobody known'}")
        if len(verified.witnesses) < opts["min_witnesses"]:
            raise CommandError(f"verification FAILED: fewer than {opts['min_witnesses']} witnesses")
        expected = opts["expect_count"]
        if expected is not None and expected != tally.count:
            raise CommandError(
                f"verification FAILED: the site says {expected}, the log proves {tally.count}"
            )
