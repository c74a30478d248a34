"""Issue 14, item 10: without EMAIL_HOST no address or link is printed anywhere."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from django.test import override_settings

from undersigned.delivery.emails import deliver_all
from undersigned.statements.models import OutboxMessage, Signature
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def backend_for(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'undersigned.settings'; "
        "django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_without_email_host_the_backend_refuses_instead_of_printing() -> None:
    assert backend_for() == "undersigned.delivery.backends.NoSmtpBackend"
    assert backend_for(EMAIL_TO_CONSOLE="true").endswith("console.EmailBackend")
    assert backend_for(EMAIL_HOST="smtp.example.org").endswith("smtp.EmailBackend")


@override_settings(EMAIL_BACKEND="undersigned.delivery.backends.NoSmtpBackend")
def test_a_message_without_smtp_stays_queued_and_nothing_is_printed(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    statement = make_statement()
    Signature.sign(statement, language="en", name="Anna", email="anna@example.org", country="UA")
    with caplog.at_level(logging.ERROR):
        assert deliver_all() == 0
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.failed_at is None and message.attempts == 0
    assert message.payload is not None, "kept for when SMTP is configured"
    assert "EMAIL_HOST is not set" in caplog.text
    out, err = capsys.readouterr()
    everything = out + err + caplog.text
    assert "anna@example.org" not in everything and "/confirm/" not in everything
