"""The outbox: durable email jobs written in the same transaction as what caused them.

The core owns the model (a signature and its email commit together); the delivery app
sends what is queued here.

We keep our own small outbox instead of django-tasks' database backend for two reasons:
the recipient address must be erased the moment its email is sent (django-tasks-db keeps a
task's arguments in its result row after it runs), and delivery needs retries with back-off,
which the backport does not provide. The address and link tokens are encrypted with a
server-held key that is not in the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from undersigned.lib import sealing


class OutboxMessage(models.Model):
    kind = models.CharField(max_length=40)
    language = models.CharField(max_length=8)
    statement = models.ForeignKey(
        "statements.Statement", models.CASCADE, null=True, blank=True, related_name="+"
    )
    signature = models.ForeignKey(
        "statements.Signature", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Recipient and link tokens, encrypted with OUTBOX_KEY; erased once sent or given up.
    payload = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_due",
            ),
            # The staff dashboard counts the emails given up on; without this, every view of
            # it read the whole outbox (a day of emails, one or more per signature).
            models.Index(
                fields=["failed_at"],
                condition=models.Q(failed_at__isnull=False),
                name="outbox_failed",
            ),
        ]
        # The table it has had since it lived in the delivery app.
        db_table = "delivery_outboxmessage"

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @classmethod
    def queue(
        cls,
        kind: str,
        *,
        to: str,
        language: str,
        statement: Any = None,
        signature: Any = None,
        context: dict[str, Any] | None = None,
    ) -> OutboxMessage:
        message = cls.prepare(kind, to=to, language=language, statement=statement, context=context)
        message.signature = signature
        message.save(force_insert=True)
        return message

    @classmethod
    def prepare(
        cls,
        kind: str,
        *,
        to: str,
        language: str,
        statement: Any = None,
        context: dict[str, Any] | None = None,
    ) -> OutboxMessage:
        """An unsaved message with its payload encrypted, to save inside a short transaction."""
        payload = sealing.server_encrypt(settings.OUTBOX_KEY, {"to": to, **(context or {})})
        return cls(kind=kind, language=language, statement=statement, payload=payload)

    def open_payload(self) -> dict[str, Any]:
        return sealing.server_decrypt(settings.OUTBOX_KEY, bytes(self.payload or b""))

    def mark_sent(self) -> None:
        self.sent_at = timezone.now()
        self.payload = None
        self.locked_until = None
        self.save(update_fields=["sent_at", "payload", "locked_until"])

    def mark_failed_attempt(self, error: str) -> None:
        """Back off exponentially: 30 s, 1 min, 2 min … capped at 6 h; give up at the cap."""
        now = timezone.now()
        self.attempts += 1
        self.last_error = error[:200]
        self.locked_until = None
        if self.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            self.failed_at = now
            self.payload = None
        else:
            delay = min(30 * 2 ** (self.attempts - 1), 6 * 3600)
            self.next_attempt_at = now + dt.timedelta(seconds=delay)
        self.save(
            update_fields=[
                "attempts",
                "last_error",
                "locked_until",
                "failed_at",
                "payload",
                "next_attempt_at",
            ]
        )
