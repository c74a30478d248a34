"""Where email goes when no SMTP server is configured: nowhere, loudly.

Printing emails to the console (Django's console backend) put every address and every
confirm and withdraw link on standard output, past the log filter that hides link tokens.
Only `undersigned demo` does that now (EMAIL_TO_CONSOLE); anywhere else, without
EMAIL_HOST, sending fails with a clear error and the message stays queued until an SMTP
server is configured. `undersigned check --deploy` fails without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class EmailNotConfigured(RuntimeError):
    """No SMTP server is configured: nothing can be sent, and nothing is printed."""


MESSAGE = (
    "EMAIL_HOST is not set: no email can be sent. Queued emails wait until an SMTP "
    "server is configured (see docs/configuration.md)."
)


class NoSmtpBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise EmailNotConfigured(MESSAGE)

    def open(self) -> Any:
        return None
