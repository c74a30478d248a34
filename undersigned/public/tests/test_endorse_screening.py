"""The endorse form is screened like the sign form: flagged, never refused, mail capped."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from undersigned.delivery.emails import deliver_all
from undersigned.public.screening import started_token
from undersigned.statements.models import Endorsement
from undersigned.test import endorse_form, make_statement

pytestmark = pytest.mark.django_db

URL = "/en/stop-the-war/endorse/"
CLIENT = Client()


def endorse(email: str = "contact@union.example.org", **extra: str) -> object:
    data = endorse_form(
        contact_email=email,
        note="",
        homepage="",
        started=started_token(time.time() - 30),
        altcha="",
    )
    data.update(extra)
    return CLIENT.post(URL, data, HTTP_ORIGIN="http://testserver", REMOTE_ADDR="198.51.100.3")


def test_the_endorse_form_carries_the_checks() -> None:
    make_statement()
    html = CLIENT.get("/en/stop-the-war/").content.decode()
    assert 'name="org-homepage"' in html and 'name="org-started"' in html
    assert html.count('data-pow="/pow/stop-the-war.json"') == 2


def test_a_careful_endorsement_is_not_flagged() -> None:
    make_statement()
    assert endorse().status_code == 302
    assert Endorsement.objects.get().quarantine_reasons == ""


def test_a_filled_honeypot_flags_it_for_the_moderator_with_the_same_answer() -> None:
    make_statement()
    clean = endorse()
    flagged = endorse(email="other@union.example.org", **{"org-homepage": "x"})
    assert (clean.status_code, clean["Location"]) == (flagged.status_code, flagged["Location"])
    assert "honeypot" in Endorsement.objects.order_by("pk").last().quarantine_reasons  # type: ignore[union-attr]


def test_endorsing_and_signing_have_separate_limits() -> None:
    make_statement()
    CLIENT.post(
        "/en/stop-the-war/sign/",
        {
            "name": "A",
            "email": "a@example.org",
            "country": "UA",
            "visibility": "4",
            "started": started_token(time.time() - 30),
        },
        HTTP_ORIGIN="http://testserver",
        REMOTE_ADDR="198.51.100.3",
    )
    endorse()
    assert Endorsement.objects.get().quarantine_reasons == ""


def test_the_contact_address_cannot_be_mail_bombed() -> None:
    make_statement()
    for _ in range(10):
        endorse(email="victim@example.org")
    deliver_all()
    assert len([m for m in mail.outbox if m.to == ["victim@example.org"]]) == (
        settings.CONFIRM_EMAILS_PER_ADDRESS
    )
