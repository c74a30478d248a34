"""`undersigned witness URL --key FILE`: cosign a log's checkpoint, only if it never rewrote the
past this witness saw (c2sp.org/tlog-cosignature)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.tlog import client, note

DEFAULT_STATE = Path.home() / ".undersigned" / "witness.json"


def write_new_key(path: Path, name: str) -> note.Signer:
    if path.exists():
        raise CommandError(f"{path} exists; a witness keeps its key")
    signer = note.Signer.generate(name, note.COSIGNATURE_V1)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(signer.skey + "\n")
    return signer


class Command(BaseCommand):
    help = "Cosign a statement's count log after checking it only grew since the last cosigning."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("url", help="The statement's page or its log (…/log/<slug>/).")
        parser.add_argument("--key", type=Path, required=True, help="The witness's key file.")
        parser.add_argument("--generate", metavar="NAME", help="Create the key file for NAME.")
        parser.add_argument("--log-key", help="The log's verifier key (else pinned on first use).")
        parser.add_argument("--state", type=Path, default=DEFAULT_STATE)
        parser.add_argument("--no-submit", action="store_true", help="Print, do not send.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["generate"]:
            signer = write_new_key(opts["key"], opts["generate"])
            self.stdout.write(
                f"new witness key; register this with the site:\n{signer.verifier.vkey}"
            )
            return
        try:
            signer = note.Signer.parse(opts["key"].read_text())
        except (OSError, note.NoteError) as error:
            raise CommandError(f"cannot read the witness key: {error}") from error
        if signer.sig_type != note.COSIGNATURE_V1:
            raise CommandError("a witness key signs cosignatures (type 0x04)")
        log = client.Log(client.log_prefix(opts["url"]), lambda url: client.http_fetch(url))
        state = client.State.load(opts["state"])
        try:
            key, _pinned = client.log_key(log, state, opts["log_key"])
            line = client.cosign(log, key, signer, state)
        except client.VerifyError as error:
            raise CommandError(f"REFUSED to cosign: {error}") from error
        state.save()
        self.stdout.write(line.rstrip("\n"))
        if not opts["no_submit"]:
            self.submit(log, state, key, line)

    def submit(self, log: client.Log, state: client.State, key: note.Verifier, line: str) -> None:
        size = state.seen(key.name)[-1][0]
        status, body = client.http_post(
            log.prefix + "cosignature", {"size": str(size), "line": line}
        )
        if status != 201:
            raise CommandError(f"the site did not take the cosignature ({status}): {body.strip()}")
        self.stdout.write(body.strip())
