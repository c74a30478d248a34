"""`undersigned check --deploy`: a production site needs a real SMTP server."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@checks.register(checks.Tags.compatibility, deploy=True)
def smtp_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.EMAIL_BACKEND == SMTP and settings.EMAIL_HOST:
        return []
    return [
        checks.Error(
            "No SMTP server is configured, so no confirmation email can be sent.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
            id="undersigned.E001",
        )
    ]
