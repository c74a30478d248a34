"""Test set-up: a throwaway data folder, and the real SMTP server and site fixtures."""

from __future__ import annotations

import os
import tempfile

# Before Django reads its settings: never touch a developer's own data folder.
os.environ.setdefault("UNDERSIGNED_DATA_DIR", tempfile.mkdtemp(prefix="undersigned-test-"))
os.environ.pop("EMAIL_HOST", None)

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from undersigned.test import RELAXED_LIMITS, LiveSite, Mailbox  # noqa: E402


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def live_site(mailbox: Mailbox) -> Iterator[LiveSite]:
    site = LiveSite(mailbox, extra_env=RELAXED_LIMITS).prepare()
    site.start()
    yield site
    site.stop()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Row ids repeat across rolled-back tests, so cached pages and counts must not."""
    from django.core.cache import cache

    from undersigned.public.screening import forget_blocklist

    cache.clear()
    forget_blocklist()  # the block list is also kept in process memory for a few seconds
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    """Personas log in often; a deliberately slow hasher only slows the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
