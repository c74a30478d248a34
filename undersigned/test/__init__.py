"""Shared test personas and helpers (as Healthchecks keeps hc/test.py).

Tests import every name from here: `from undersigned.test import make_statement, LiveSite`.
"""

from undersigned.test.factories import (
    PASSWORD,
    TEST_KEYS,
    days,
    endorse_form,
    make_endorsement,
    make_statement,
    make_user,
    personas,
    proof,
    sign_form,
    staff_client,
    totp_code,
    totp_device,
)
from undersigned.test.live import (
    EXACT_COUNTS,
    LINK_RE,
    RELAXED_LIMITS,
    Answer,
    LiveSite,
    Mailbox,
    free_port,
    http,
    links_in,
    postgres_url,
    wait_for_port,
)

__all__ = [
    "EXACT_COUNTS",
    "LINK_RE",
    "PASSWORD",
    "RELAXED_LIMITS",
    "TEST_KEYS",
    "Answer",
    "LiveSite",
    "Mailbox",
    "days",
    "endorse_form",
    "free_port",
    "http",
    "links_in",
    "make_endorsement",
    "make_statement",
    "make_user",
    "personas",
    "postgres_url",
    "proof",
    "sign_form",
    "staff_client",
    "totp_code",
    "totp_device",
    "wait_for_port",
]
