from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from undersigned.delivery.emails import deliver_all
from undersigned.statements.models import OutboxMessage
from undersigned.statements.roles import MODERATORS, ORGANISERS
from undersigned.test import make_endorsement, make_statement, make_user

pytestmark = pytest.mark.django_db


def test_moderators_get_a_digest_of_what_waits() -> None:
    make_user("max", MODERATORS)
    make_user("olga", ORGANISERS)
    make_user("sam", None)
    statement = make_statement()
    make_endorsement(statement, name="A")
    make_endorsement(statement, name="B", website="https://b.example/")
    make_endorsement(statement, name="C", website="https://c.example/", state="approved")
    out = StringIO()
    call_command("digest", stdout=out)
    assert "2 waiting" in out.getvalue()
    deliver_all()
    digests = [m for m in mail.outbox if "wait for moderation" in m.subject]
    recipients = {m.to[0] for m in digests}
    assert {"max@example.org", "olga@example.org"} <= recipients
    assert "sam@example.org" not in recipients
    assert "Title en: 2" in digests[0].body
    assert "/control/endorsements/" in digests[0].body


def test_no_digest_when_nothing_waits() -> None:
    make_user("max", MODERATORS)
    call_command("digest", stdout=StringIO())
    assert not OutboxMessage.objects.filter(kind="moderation_digest").exists()
