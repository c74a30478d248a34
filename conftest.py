"""Test set-up: a throwaway data folder, and the real SMTP server and site fixtures."""

from __future__ import annotations

# The throwaway data folder is set up by undersigned/pytest_plugin.py, which pytest loads
# before Django reads its settings.
from collections.abc import Iterator

import pytest

from undersigned.test import EXACT_COUNTS, RELAXED_LIMITS, LiveSite, Mailbox


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def live_site(mailbox: Mailbox) -> Iterator[LiveSite]:
    site = LiveSite(mailbox, extra_env={**RELAXED_LIMITS, **EXACT_COUNTS}).prepare()
    site.start()
    yield site
    site.stop()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Row ids repeat across rolled-back tests, so cached pages and counts must not."""
    from django.core.cache import cache

    from undersigned.statements import caches

    cache.clear()
    # The block list and the statement are also kept in process memory for a moment.
    caches.clear_process_memory()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    """Personas log in often; a deliberately slow hasher only slows the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _generous_write_budget(settings: object) -> None:
    """A machine busy with other work can stall a test's request for a second; a sign
    request past its budget (public/admission.py) would then be refused. The budget is
    tested in undersigned/public/tests/test_admission.py with the values it needs, and the
    live suites' servers keep the default (this changes the test process only)."""
    settings.SIGN_BUDGET_MS = 60_000  # type: ignore[attr-defined]
