"""Rendering and sending one outbox message: three templates, in the recipient's language."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from undersigned.delivery.backends import MESSAGE as NOT_CONFIGURED
from undersigned.delivery.backends import EmailNotConfigured
from undersigned.lib import sealing
from undersigned.statements import already_signed
from undersigned.statements.models import OutboxMessage, Signature, is_high_risk

log = logging.getLogger(__name__)


def link(language: str, kind: str, token: str) -> str:
    return f"{settings.SITE_URL}/{language}/{kind}/{token}/"


def render_message(message: OutboxMessage, payload: dict[str, Any]) -> EmailMultiAlternatives:
    language = message.language
    neutral = is_neutral(message, payload)
    sender_name = settings.NEUTRAL_SENDER_NAME if neutral else settings.SITE_NAME
    with translation.override(language):
        context: dict[str, Any] = {
            "site_name": sender_name,
            "language": language,
            "neutral": neutral,
        }
        statement = message.statement
        if statement is not None and not neutral:
            text = statement.text(language)
            context["title"] = text.title
            context["statement_url"] = f"{settings.SITE_URL}/{language}/{statement.slug}/"
        if "confirm_token" in payload:
            context["confirm_url"] = link(language, "confirm", payload["confirm_token"])
        if "manage_token" in payload:
            context["manage_url"] = link(language, "manage", payload["manage_token"])
        context.update(payload.get("extra", {}))
        context["neutral"] = neutral
        subject = render_to_string(f"emails/{message.kind}-subject.txt", context)
        text_body = render_to_string(f"emails/{message.kind}.txt", context)
        html_body = render_to_string(f"emails/{message.kind}.html", context)
    _name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text_body,
        from_email=formataddr((sender_name, from_address)),
        to=[payload["to"]],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
        reply_to=[payload["reply_to"]] if payload.get("reply_to") else None,
    )
    email.attach_alternative(html_body, "text/html")
    return email


def is_neutral(message: OutboxMessage, payload: dict[str, Any]) -> bool:
    """A signer from a high-risk country gets mail that does not say what they signed.

    Subject, sender name and body leave out the statement's title and the site's name; the
    HTML carries no image and links only to our own site.
    """
    if payload.get("neutral"):
        return True
    if message.signature_id is None:
        return False
    country = (
        Signature.objects.filter(pk=message.signature_id).values_list("country", flat=True).first()
    )
    return is_high_risk(country or "")


def claim_one(now: Any = None) -> OutboxMessage | None:
    """Claim the next due message atomically, so two workers never send the same one."""
    now = now or timezone.now()
    unlocked = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    due = OutboxMessage.objects.filter(
        unlocked, sent_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now
    )
    for pk in due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:20]:
        lock = now + dt.timedelta(seconds=settings.OUTBOX_LOCK_SECONDS)
        if OutboxMessage.objects.filter(unlocked, pk=pk).update(locked_until=lock):
            return OutboxMessage.objects.select_related("statement").get(pk=pk)
    return None


def message_id(message: OutboxMessage) -> str:
    """The same Message-ID for every attempt at one outbox row, and for no other email.

    Delivery is at least once (see deliver_one): if a worker dies after the SMTP server
    accepted a message but before the row says so, the message is sent again, and
    receivers that de-duplicate by Message-ID show it once. Keyed, so it reveals neither
    the row number nor how many emails the site sends; the creation time keeps it unique
    if a new database reuses row numbers.
    """
    key = sealing.derive_key(settings.OUTBOX_KEY, "message-id")
    seed = f"{message.pk}:{message.created_at.isoformat()}".encode()
    digest = hmac.new(key, seed, hashlib.sha256).hexdigest()[:40]
    _name, sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = sender.rpartition("@")[2] or "undersigned.invalid"
    return f"<{digest}@{domain}>"


def deliver_one(connection: Any = None) -> bool:
    """Send one due message; return whether to go on (the worker's unit of work).

    At least once, with the window for a duplicate as small as SMTP allows: the row is
    claimed with a lease (claim_one), the email is rendered before the SMTP exchange, and
    the moment the server accepts DATA the row is marked sent in its own one-statement
    transaction, before anything else (not even QUIT). Only a crash between that 250 reply
    and the commit sends it again, with the same Message-ID.
    """
    message = claim_one()
    if message is None:
        return False
    own = connection is None
    connection = connection or get_connection()
    try:
        payload = message.open_payload()
        if not already_signed.prepare(message, payload, timezone.now()):
            _skip(message)
            return True
        email = render_message(message, payload)
        email.extra_headers["Message-ID"] = message_id(message)
        connection.open()
        if connection.send_messages([email]) != 1:
            raise RuntimeError("the SMTP server did not take the message")
    except EmailNotConfigured:
        # Left claimed: tried again when the lease runs out, once SMTP is configured.
        log.error(NOT_CONFIGURED)
        return False
    except Exception as exc:
        # Never log the address or the exception text, which may quote it.
        log.warning("delivery of outbox message %s failed: %s", message.pk, type(exc).__name__)
        connection.close()  # a broken connection is opened afresh for the next message
        message.mark_failed_attempt(type(exc).__name__)
        return True
    message.mark_sent()
    if own:
        connection.close()
    return True


def _skip(message: OutboxMessage) -> None:
    """Done without sending: the address's signature went, or it was told within a day."""
    OutboxMessage.objects.filter(pk=message.pk).update(
        payload=None,
        failed_at=timezone.now(),
        locked_until=None,
        last_error="not sent: already told within a day, or no longer signed",
    )


def deliver_all(limit: int = 1000) -> int:
    """Send every due message, up to LIMIT, over one SMTP connection."""
    sent = 0
    connection = get_connection()
    try:
        while sent < limit and deliver_one(connection):
            sent += 1
    finally:
        connection.close()
    return sent
