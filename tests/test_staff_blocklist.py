"""The block list edited on /control/ takes effect at once on the public side's screening
(control and public do not import each other, so this is checked here)."""

from __future__ import annotations

from typing import Any

import pytest

from undersigned.public import screening
from undersigned.statements.models import BlockedSource
from undersigned.statements.roles import ORGANISERS
from undersigned.test import make_user, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_adding_and_removing_a_block_takes_effect_at_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    screening.blocklist()  # warm the cached, empty list
    client = staff_client(make_user("olga", ORGANISERS))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/control/blocklist/", {"kind": "domain", "value": "x.example"})
    assert "x.example" in screening.blocklist()[0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/control/blocklist/{BlockedSource.objects.get().pk}/delete/")
    assert "x.example" not in screening.blocklist()[0]
