"""A page whose URL holds a link token sends no Referer, not even to its own site."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from undersigned.statements.models import FoundingInvite, OutboxMessage, Signature, Statement
from undersigned.statements.roles import ORGANISERS
from undersigned.test import make_endorsement, make_statement, make_user

pytestmark = pytest.mark.django_db

META = re.compile(r'<meta name="referrer" content="([^"]+)">')


def token_urls() -> list[str]:
    statement = make_statement()
    _signature, message = Signature.sign(
        statement, language="en", name="A B", email="a@example.org", country="UA"
    )
    assert message is not None
    tokens = message.open_payload()
    make_endorsement(statement, state="approved")
    endorsed = OutboxMessage.objects.filter(kind="endorse_confirm").last()
    assert endorsed is not None
    withdraw = str(endorsed.open_payload()["extra"]["withdraw_url"])
    draft = make_statement(slug="draft-one", state=Statement.State.DRAFT)
    organiser = make_user("olga", ORGANISERS)
    _invite, invite_token = FoundingInvite.create(draft, label="A union", by=organiser)
    return [
        f"/en/confirm/{tokens['confirm_token']}/",
        f"/uk/manage/{tokens['manage_token']}/",
        f"/en/manage/{tokens['manage_token']}/receipt/",
        withdraw.removeprefix("http://127.0.0.1:8000"),
        f"/en/invite/{invite_token}/",
        "/en/confirm/" + "x" * 43 + "/",  # a link that matches nothing: still a token's place
        "/en/endorsement/not-a-token/",
    ]


def test_token_links_send_no_referrer_in_the_header_or_the_page() -> None:
    for url in token_urls():
        response = Client().get(url)
        assert response.status_code < 500, url
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        if response.headers["Content-Type"].startswith("text/html"):
            assert META.findall(response.content.decode()) == ["no-referrer"], url


def test_other_pages_keep_same_origin() -> None:
    make_statement()
    for url in ["/en/stop-the-war/", "/en/stop-the-war/thanks/", "/en/no-such-statement/"]:
        response = Client().get(url)
        assert response.headers["Referrer-Policy"] == "same-origin", url
        assert META.findall(response.content.decode()) == ["same-origin"], url


def test_the_one_button_still_works_when_the_browser_sends_origin_null() -> None:
    """With no-referrer, a browser sends "Origin: null" with the page's own form."""
    statement = make_statement()
    signature, message = Signature.sign(
        statement, language="en", name="A B", email="a@example.org", country="UA"
    )
    assert message is not None
    url = f"/en/confirm/{message.open_payload()['confirm_token']}/"
    refused = Client().post(url, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site")
    assert refused.status_code == 403
    # Chromium and Firefox: Fetch Metadata says where the form was; older browsers: nothing.
    same_site = Client().post(url, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert same_site.status_code == 200
    signature.refresh_from_db()
    assert signature.status == Signature.Status.CONFIRMED
    assert Client().post(url, HTTP_ORIGIN="null").status_code == 200


def test_a_form_without_a_token_still_refuses_origin_null() -> None:
    make_statement()
    response = Client().post("/en/stop-the-war/sign/", {}, HTTP_ORIGIN="null")
    assert response.status_code == 403
