"""Rendering and sending one outbox message: three templates, in the recipient's language."""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

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


def deliver_one(connection: Any = None) -> bool:
    """Send one due message; return whether there was one (the worker's unit of work)."""
    message = claim_one()
    if message is None:
        return False
    try:
        email = render_message(message, message.open_payload())
        email.connection = connection or get_connection()
        email.send()
    except Exception as exc:
        # Never log the address or the exception text, which may quote it.
        log.warning("delivery of outbox message %s failed: %s", message.pk, type(exc).__name__)
        message.mark_failed_attempt(type(exc).__name__)
        return True
    message.mark_sent()
    return True


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
