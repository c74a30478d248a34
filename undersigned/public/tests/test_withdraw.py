from __future__ import annotations

import pytest
from django.test import Client

from undersigned.lib.logredact import redact
from undersigned.statements.models import Endorsement, OutboxMessage
from undersigned.test import make_endorsement, make_statement

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def withdraw_url(endorsement: Endorsement) -> str:
    message = OutboxMessage.objects.filter(kind="endorse_confirm").last()
    assert message is not None
    url = str(message.open_payload()["extra"]["withdraw_url"])
    return url.removeprefix("http://127.0.0.1:8000")


def test_the_emailed_link_shows_one_button_and_only_post_withdraws() -> None:
    statement = make_statement()
    endorsement = make_endorsement(statement, state="approved")
    assert statement.counts()["organisations"] == 1
    url = withdraw_url(endorsement)
    page = Client().get(url)
    assert page.status_code == 200 and "Free Union of Kyiv" in page.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.state == "approved"
    done = Client().post(url, **ORIGIN)
    assert done.status_code == 200 and "no longer endorses" in done.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.state == "withdrawn" and endorsement.withdrawn_at is not None
    assert endorsement.manage_token_hash is None and endorsement.contact_box is None
    assert statement.counts()["organisations"] == 0
    assert (
        "Free Union of Kyiv" not in Client().get("/en/stop-the-war/organisations/").content.decode()
    )
    # The link is spent.
    assert Client().post(url, **ORIGIN).status_code == 404


def test_an_endorsement_waiting_for_moderation_can_be_withdrawn_too() -> None:
    statement = make_statement()
    endorsement = make_endorsement(statement)
    Client().post(withdraw_url(endorsement), **ORIGIN)
    endorsement.refresh_from_db()
    assert endorsement.state == "withdrawn"
    assert statement.counts()["organisations"] == 0


def test_another_site_cannot_withdraw_it_and_bad_links_are_refused() -> None:
    statement = make_statement()
    endorsement = make_endorsement(statement, state="approved")
    url = withdraw_url(endorsement)
    assert Client().post(url, HTTP_ORIGIN="https://evil.example").status_code == 403
    endorsement.refresh_from_db()
    assert endorsement.state == "approved"
    assert Client().get("/en/endorsement/" + "x" * 43 + "/withdraw/").status_code == 404
    assert Client().get("/en/endorsement/short/withdraw/").status_code == 404


def test_the_token_in_the_link_never_reaches_a_log() -> None:
    statement = make_statement()
    url = withdraw_url(make_endorsement(statement))
    token = url.split("/")[3]
    assert token not in redact(f"POST {url} 200")
