"""An "already signed" email: resolved by the worker, at most once a day, revoking nothing.

When an address signs a statement it has already signed, the sign request writes only an
email job (hotpath.insert_signature), by the same statements and in the same time as a new
signature, so neither the answer nor its timing tells a prober whether the address signed.
Here, off the request path, the worker finds the address's signature and gives it the links
it already has (derived from the row, lib/tokens.py): nothing is replaced, so a probe
cannot revoke the owner's withdraw link. If the address was told within a day, nothing is
sent: a prober cannot fill the owner's mailbox.

An address that signed on paper (a paper row holds its keyed digest) is treated the same
way, here too: the sign request wrote its new row and confirmation email as for anyone, so
the answer cannot tell; the worker then sends the "already signed" notice instead, with no
link, and the row, never confirmable, is purged as unconfirmed. One person, one signature,
whichever came first (statements/paper.py checks the other way round on import). A sheet
imported after the confirmation email went out (the signer signed online while it was
typed up) is caught at the confirmation itself: hotpath.confirm confirms no row whose email
a paper row carries, in the same write, so the link counts nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from undersigned.lib import sealing
from undersigned.statements.models import (
    OutboxMessage,
    PaperSignature,
    Signature,
    Statement,
    is_high_risk,
)

KIND = "already_signed"
AT_MOST_EVERY = dt.timedelta(days=1)


def unresolved(message: OutboxMessage) -> bool:
    """A job the sign path wrote for an address that had already signed."""
    return message.kind == KIND and message.signature_id is None


def prepare(message: OutboxMessage, payload: dict[str, Any], now: dt.datetime) -> bool:
    """Make PAYLOAD what is to be sent for MESSAGE; False if nothing goes."""
    if unresolved(message):
        return resolve(message, payload, now)
    new_row, statement = message.signature_id, message.statement
    if message.kind == "confirm" and new_row is not None and statement is not None:
        digest = sealing.email_digest(settings.DEDUP_KEY, statement.pk, payload["to"])
        if on_paper(statement, digest):
            return _paper_notice(message, Signature.objects.get(pk=new_row), payload, now)
    return True


def on_paper(statement: Statement, digest: str) -> bool:
    """Whether a paper signature (of a batch not undone) carries this email digest."""
    return PaperSignature.objects.filter(statement=statement, email_digest=digest).exists()


def _paper_notice(
    message: OutboxMessage, signature: Signature, payload: dict[str, Any], now: dt.datetime
) -> bool:
    """The new row's confirmation becomes the notice, with no link: the row is never
    confirmed, so it never counts, and the retention purge removes it."""
    if told_recently(signature, now):
        return False
    payload.pop("confirm_token", None)
    payload.pop("manage_token", None)
    OutboxMessage.objects.filter(pk=message.pk).update(kind=KIND)
    message.kind = KIND
    return True


def resolve(message: OutboxMessage, payload: dict[str, Any], now: dt.datetime) -> bool:
    """Fill PAYLOAD with the signature's links and link the job to it; False if none goes
    (the signature was withdrawn or erased since, or was told within a day)."""
    statement = message.statement
    if statement is None:
        return False
    digest = sealing.email_digest(settings.DEDUP_KEY, statement.pk, payload["to"])
    existing = Signature.active_with_digest(statement, digest).first()
    if existing is None or told_recently(existing, now):
        return False
    payload.pop("confirm_token", None)
    pending = existing.status == Signature.Status.PENDING
    if pending and on_paper(statement, digest):
        # Signed on paper too: the online row must never be confirmed (see the top).
        payload.pop("manage_token", None)
        OutboxMessage.objects.filter(pk=message.pk).update(signature=existing)
        message.signature = existing
        return True
    (confirm, confirm_hash), (manage, manage_hash) = existing.link_tokens()
    changed = _legacy_links(existing, confirm_hash, manage_hash)
    payload["manage_token"] = manage
    payload["neutral"] = bool(payload.get("neutral")) or is_high_risk(existing.country)
    if existing.status == Signature.Status.PENDING:
        payload["confirm_token"] = confirm
        # A fresh period to confirm in, with the same link.
        existing.confirm_expires_at = now + dt.timedelta(hours=settings.CONFIRM_LINK_HOURS)
        changed.append("confirm_expires_at")
    if changed:
        existing.save(update_fields=changed)
    OutboxMessage.objects.filter(pk=message.pk).update(signature=existing)
    message.signature = existing
    return True


def told_recently(signature: Signature, now: dt.datetime) -> bool:
    return OutboxMessage.objects.filter(
        signature=signature, kind=KIND, sent_at__gte=now - AT_MOST_EVERY
    ).exists()


def _legacy_links(signature: Signature, confirm_hash: str, manage_hash: str) -> list[str]:
    """A signature made before links were derived has random ones, which cannot be made
    again: it gets derived ones (the old links stop working, at most once a day)."""
    changed = []
    if signature.manage_token_hash != manage_hash:
        signature.manage_token_hash = manage_hash
        changed.append("manage_token_hash")
    pending = signature.status == Signature.Status.PENDING
    if pending and signature.confirm_token_hash != confirm_hash:
        signature.confirm_token_hash = confirm_hash
        changed.append("confirm_token_hash")
    return changed
