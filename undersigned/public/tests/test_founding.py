"""The launch: founding endorsements collected on a draft appear together at publication."""

from __future__ import annotations

import feedparser
import pytest
from django.core.cache import cache
from django.test import Client

from undersigned.statements.models import Endorsement, FoundingInvite, OutboxMessage, StatementError
from undersigned.statements.roles import ORGANISERS
from undersigned.test import endorse_form, make_statement, make_user

pytestmark = pytest.mark.django_db
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def endorse_through(token: str, name: str, website: str) -> Endorsement:
    data = endorse_form(
        name=name,
        website=website,
        contact_name="Contact",
        contact_email=f"contact@{website.split('/')[2]}",
    )
    response = Client().post(f"/en/invite/{token}/", data, **ORIGIN)
    assert response.status_code == 200, response.content.decode()
    url = (
        OutboxMessage.objects.filter(kind="endorse_confirm")
        .last()
        .open_payload()["extra"]["confirm_url"]
    )
    confirm = url.split("/en", 1)[1]
    assert Client().post(f"/en{confirm}", **ORIGIN).status_code == 200
    return Endorsement.objects.get(name=name)


def test_founding_endorsements_appear_together_at_launch_and_not_before() -> None:
    statement = make_statement(state="draft")
    organiser = make_user("olga", ORGANISERS)
    _invite, token_a = FoundingInvite.create(statement, label="Kyiv Union", by=organiser)
    _invite, token_b = FoundingInvite.create(statement, label="Lviv Union", by=organiser)

    page = Client().get(f"/en/invite/{token_a}/")
    assert page.status_code == 200 and 'value="Kyiv Union"' in page.content.decode()
    a = endorse_through(token_a, "Kyiv Union", "https://kyiv.example.org/")
    b = endorse_through(token_b, "Lviv Union", "https://lviv.example.org/")
    a.approve(by=organiser)
    b.approve(by=organiser)
    assert a.founding and b.founding

    # Before the launch: nothing public anywhere.
    assert Client().get("/en/stop-the-war/").status_code == 404
    assert Client().get("/en/stop-the-war/organisations/").status_code == 404
    assert Client().get("/en/stop-the-war/organisations/feed/").status_code == 404

    statement.publish()
    cache.clear()

    html = Client().get("/en/stop-the-war/organisations/").content.decode()
    assert "Kyiv Union" in html and "Lviv Union" in html
    assert html.count("initial signatory") == 2
    assert "Kyiv Union" in Client().get("/en/stop-the-war/").content.decode()
    feed = feedparser.parse(Client().get("/en/stop-the-war/organisations/feed/").content)
    assert {e.title for e in feed.entries} == {"Kyiv Union (Ukraine)", "Lviv Union (Ukraine)"}
    # Both carry the launch moment, not their earlier approval.
    assert len({e.updated for e in feed.entries}) == 1


def test_an_invite_link_stops_at_launch_and_a_forged_one_never_works() -> None:
    statement = make_statement(state="draft")
    _invite, token = FoundingInvite.create(statement, label="X", by=make_user("olga", ORGANISERS))
    statement.publish()
    response = Client().get(f"/en/invite/{token}/")
    assert response.status_code == 302 and response["Location"] == "/en/stop-the-war/"
    assert Client().get("/en/invite/" + "y" * 32 + "/").status_code == 404
    with pytest.raises(StatementError):
        FoundingInvite.create(statement, label="late", by=None)


def test_invites_store_only_a_hash_of_the_token() -> None:
    statement = make_statement(state="draft")
    invite, token = FoundingInvite.create(statement, label="X", by=make_user("olga", ORGANISERS))
    assert token not in invite.token_hash


def test_bad_input_on_an_invite_keeps_values_and_says_why() -> None:
    statement = make_statement(state="draft")
    _invite, token = FoundingInvite.create(statement, label="X", by=make_user("olga", ORGANISERS))
    response = Client().post(
        f"/en/invite/{token}/", {"org-name": "X", "org-website": "ftp://x"}, **ORIGIN
    )
    assert response.status_code == 400
    assert "http:// or https://" in response.content.decode()
    assert not Endorsement.objects.exists()
