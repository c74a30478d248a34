from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from undersigned.delivery.management.commands.worker import digest_due
from undersigned.statements.models import Endorsement, OutboxMessage, Signature, TrendingSource
from undersigned.test import make_statement, personas

pytestmark = pytest.mark.django_db


@override_settings(TRENDING_REPORT_MIN=2)
def test_the_worker_refreshes_the_trending_report() -> None:
    statement = make_statement()
    for i in range(2):
        Signature.sign(
            statement,
            language="en",
            name="X",
            email=f"x{i}@example.org",
            country="UA",
            source_digest="e" * 32,
        )
    call_command("worker", "--once", stdout=StringIO())
    assert TrendingSource.objects.get(kind="client").signatures == 2


def test_one_digest_per_period_however_many_workers_ask() -> None:
    now = 1_800_000_000.0
    assert digest_due(now, 24) is True
    assert digest_due(now + 60, 24) is False, "a second worker in the same day sends none"
    assert digest_due(now + 24 * 3600, 24) is True
    assert digest_due(now, 0) is False


def test_the_worker_sends_what_is_due_and_the_digest_once(settings: object) -> None:
    settings.DIGEST_EVERY_HOURS = 24  # type: ignore[attr-defined]
    personas()
    statement = make_statement()
    Endorsement.objects.create(
        statement=statement,
        version=statement.text("en"),
        language="en",
        name="Union",
        normalised_name="union",
        country="UA",
        website="https://union.example",
        kind="union",
        state=Endorsement.State.CONFIRMED,
    )
    call_command("worker", once=True, purge_every=0, stdout=io.StringIO())
    call_command("worker", once=True, purge_every=0, stdout=io.StringIO())
    digests = OutboxMessage.objects.filter(kind="moderation_digest")
    assert digests.count() == 2, "one each for the organiser and the moderator, sent once"
    assert not digests.filter(payload__isnull=False).exists(), "and delivered"
