"""The count log's witnesses: moderators register their keys, and the site publishes each
registered witness's cosignature of a checkpoint with it (docs/verify.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from undersigned.lib.tlog import note
from undersigned.lib.tlog.checkpoint import Checkpoint
from undersigned.statements.models import Statement, record
from undersigned.statements.models.tlog import Cosignature, LogCheckpoint, Witness
from undersigned.statements.tlog import LogError, origin


def register_witness(vkey: str, public_name: str = "", by: Any = None) -> Witness:
    """Accept cosignatures by this key from now on (a moderator's act, audited)."""
    try:
        verifier = note.Verifier.parse(vkey)
    except note.NoteError as error:
        raise LogError(str(error)) from error
    if verifier.sig_type != note.COSIGNATURE_V1:
        raise LogError("a witness key is a cosignature key (type 0x04)")
    with transaction.atomic():
        witness, _created = Witness.objects.update_or_create(
            vkey=verifier.vkey, defaults={"public_name": public_name.strip(), "active": True}
        )
        record(by, "edit", witness, reason=f"registered witness {verifier.name}")
    return witness


def retire_witness(witness: Witness, by: Any = None) -> None:
    """Accept no more cosignatures by this key; those published stay published."""
    with transaction.atomic():
        witness.active = False
        witness.save(update_fields=["active"])
        record(by, "edit", witness, reason="retired witness")


def add_cosignature(statement: Statement, size: int, line: str) -> Cosignature:
    """Accept a registered witness's cosignature of one of our checkpoints, and publish it."""
    checkpoint = LogCheckpoint.objects.filter(statement=statement, size=size).first()
    if checkpoint is None:
        raise LogError("there is no checkpoint of that size")
    text = Checkpoint(origin(statement), checkpoint.size, bytes(checkpoint.root)).text
    try:
        signature = note.split_note(text + "\n" + line.strip() + "\n")[1][0]
    except note.NoteError as error:
        raise LogError(str(error)) from error
    for witness in Witness.objects.filter(active=True):
        verifier = note.Verifier.parse(witness.vkey)
        if (verifier.name, verifier.key_id) != (signature.name, signature.key_id):
            continue
        timestamp = verifier.verify(text.encode(), signature.payload)
        if timestamp is None or verifier.sig_type != note.COSIGNATURE_V1:
            raise LogError("the cosignature does not verify")
        return _store_cosignature(checkpoint, witness, signature.line, timestamp)
    raise LogError("no registered witness has this key")


def _store_cosignature(
    checkpoint: LogCheckpoint, witness: Witness, line: str, timestamp: int
) -> Cosignature:
    with transaction.atomic():
        checkpoint = LogCheckpoint.objects.select_for_update().get(pk=checkpoint.pk)
        cosignature, created = Cosignature.objects.get_or_create(
            checkpoint=checkpoint,
            witness=witness,
            defaults={
                "line": line.strip(),
                "signed_at": dt.datetime.fromtimestamp(timestamp, dt.UTC),
            },
        )
        if created:
            checkpoint.note = note.add_signature_lines(checkpoint.note, [line])
            checkpoint.save(update_fields=["note"])
    return cosignature
