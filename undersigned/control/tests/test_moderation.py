from __future__ import annotations

import re

import pytest
from django.core import mail

from undersigned.delivery.emails import deliver_all
from undersigned.statements.models import AuditEntry, Endorsement
from undersigned.statements.roles import MODERATORS
from undersigned.test import make_endorsement, make_statement, make_user, staff_client

pytestmark = pytest.mark.django_db
QUEUE = "/control/endorsements/"


@pytest.fixture
def moderator() -> object:
    return make_user("max", MODERATORS)


def test_the_queue_shows_what_waits_with_its_flags(moderator: object) -> None:
    statement = make_statement()
    make_endorsement(statement, name="Kyiv Union")
    make_endorsement(
        statement, name="Kyiv union!", website="https://other.example/", email="a@gmail.com"
    )
    make_endorsement(
        statement, name="Unconfirmed", website="https://u.example/", state="pending_confirmation"
    )
    html = staff_client(moderator).get(QUEUE).content.decode()
    assert "Kyiv Union" in html and "Kyiv union!" in html and "Unconfirmed" not in html
    assert html.count("domain matches") == 1
    assert html.count("likely duplicate") == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"country": "PL"}, {"Warsaw Media"}),
        ({"kind": "media"}, {"Warsaw Media"}),
        ({"statement": "second"}, {"Second Union"}),
        ({"state": "approved"}, {"Approved Union"}),
        ({"state": "all"}, {"Kyiv Union", "Warsaw Media", "Second Union", "Approved Union"}),
        ({}, {"Kyiv Union", "Warsaw Media", "Second Union"}),
    ],
)
def test_the_queue_filters(moderator: object, query: dict[str, str], expected: set[str]) -> None:
    statement = make_statement()
    make_endorsement(statement, name="Kyiv Union")
    make_endorsement(
        statement, name="Warsaw Media", country="PL", kind="media", website="https://w.pl/"
    )
    make_endorsement(
        statement, name="Approved Union", website="https://a.example/", state="approved"
    )
    make_endorsement(make_statement("second"), name="Second Union", website="https://s.example/")
    response = staff_client(moderator).get(QUEUE, query)
    shown = {e.name for e in response.context["page"]}
    assert shown == expected


def test_a_bad_filter_shows_nothing_rather_than_failing(moderator: object) -> None:
    make_endorsement(make_statement())
    response = staff_client(moderator).get(QUEUE, {"country": "XX"})
    assert response.status_code == 200 and not list(response.context["page"])


def test_approve_from_the_detail_page(moderator: object) -> None:
    endorsement = make_endorsement(make_statement())
    response = staff_client(moderator).post(f"{QUEUE}{endorsement.pk}/", {"action": "approve"})
    assert response.status_code == 302
    endorsement.refresh_from_db()
    assert endorsement.state == "approved" and endorsement.decided_by == moderator


def test_reject_without_a_reason_is_refused_with_a_message(moderator: object) -> None:
    endorsement = make_endorsement(make_statement())
    response = staff_client(moderator).post(
        f"{QUEUE}{endorsement.pk}/", {"action": "reject", "reason": ""}
    )
    assert response.status_code == 400
    assert "Please write the reason" in response.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.state == "confirmed"


def test_reject_emails_the_reason(moderator: object) -> None:
    endorsement = make_endorsement(make_statement())
    staff_client(moderator).post(
        f"{QUEUE}{endorsement.pk}/", {"action": "reject", "reason": "Not a real group"}
    )
    deliver_all()
    assert "Not a real group" in mail.outbox[-1].body


def test_ask_for_more_then_decide(moderator: object) -> None:
    endorsement = make_endorsement(make_statement())
    client = staff_client(moderator)
    client.post(f"{QUEUE}{endorsement.pk}/", {"action": "ask_more", "reason": "Who are you?"})
    endorsement.refresh_from_db()
    assert endorsement.state == "more_info_requested"
    assert "More information requested" in client.get(QUEUE).content.decode()
    client.post(f"{QUEUE}{endorsement.pk}/", {"action": "approve"})
    endorsement.refresh_from_db()
    assert endorsement.state == "approved"


def test_deciding_twice_shows_a_message_not_an_error(moderator: object) -> None:
    endorsement = make_endorsement(make_statement(), state="approved")
    response = staff_client(moderator).post(f"{QUEUE}{endorsement.pk}/", {"action": "approve"})
    assert response.status_code == 400
    assert "not waiting for a decision" in response.content.decode()


def test_an_unknown_endorsement_is_a_404(moderator: object) -> None:
    assert staff_client(moderator).get(f"{QUEUE}999999/").status_code == 404


def test_bulk_approve_and_bulk_reject(moderator: object) -> None:
    statement = make_statement()
    a, b, c = (make_endorsement(statement, name=n, website=f"https://{n}.example/") for n in "abc")
    client = staff_client(moderator)
    response = client.post(QUEUE, {"action": "approve", "ids": [a.pk, b.pk]})
    assert response.status_code == 302
    response = client.post(QUEUE, {"action": "reject", "ids": [c.pk], "reason": "Spam"})
    assert response.status_code == 302
    states = dict(Endorsement.objects.values_list("name", "state"))
    assert states == {"a": "approved", "b": "approved", "c": "rejected"}
    assert statement.counts()["organisations"] == 2
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "approve",
        "approve",
        "reject",
    ]


def test_bulk_reject_needs_a_reason_and_a_selection(moderator: object) -> None:
    endorsement = make_endorsement(make_statement())
    client = staff_client(moderator)
    response = client.post(QUEUE, {"action": "reject", "ids": [endorsement.pk]})
    assert response.status_code == 400 and "Please write the reason" in response.content.decode()
    response = client.post(QUEUE, {"action": "approve"})
    assert response.status_code == 400 and "Please select at least one" in response.content.decode()
    response = client.post(QUEUE, {"action": "approve", "ids": ["x"]})
    assert response.status_code == 400
    endorsement.refresh_from_db()
    assert endorsement.state == "confirmed"


def test_organisers_create_founding_invites_and_the_link_is_shown_once() -> None:
    from undersigned.statements.models import FoundingInvite
    from undersigned.statements.roles import ORGANISERS

    make_statement("draft-one", state="draft")
    client = staff_client(make_user("olga", ORGANISERS))
    response = client.post("/control/statements/draft-one/invites/", {"label": "Kyiv Union"})
    html = response.content.decode()
    assert response.status_code == 200 and "/en/invite/" in html
    invite = FoundingInvite.objects.get()
    assert AuditEntry.objects.get(action="invite").object_id == str(invite.pk)
    assert (
        "/en/invite/" not in client.get("/control/statements/draft-one/invites/").content.decode()
    )
    response = client.post("/control/statements/draft-one/invites/", {"label": ""})
    assert response.status_code == 400


def test_bulk_names_one_another_moderator_decided_meanwhile(moderator: object) -> None:
    statement = make_statement()
    a, b = (make_endorsement(statement, name=n, website=f"https://{n}.example/") for n in "ab")
    a.approve(moderator, "")
    response = staff_client(moderator).post(QUEUE, {"action": "approve", "ids": [a.pk, b.pk]})
    assert response.status_code == 400
    assert "no longer waiting" in response.content.decode()
    b.refresh_from_db()
    assert b.state == "confirmed" and statement.counts()["organisations"] == 1


def radios(html: str, name: str) -> dict[str, str]:
    """{value: label text} of the radio buttons NAME as rendered, each with its own label."""
    found = {}
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', html):
        assert 'type="radio"' in tag, tag
        value = re.search(r'value="([^"]*)"', tag)
        ident = re.search(r'id="([^"]+)"', tag)
        assert value and ident, tag
        label = re.search(rf'<label for="{ident.group(1)}">([^<]+)</label>', html)
        assert label, f"no label for {tag}"
        found[value.group(1)] = label.group(1).strip()
    return found


def test_the_decision_renders_as_radio_buttons_with_labels(moderator: object) -> None:
    endorsement = make_endorsement(make_statement())
    client = staff_client(moderator)
    html = client.get(f"{QUEUE}{endorsement.pk}/").content.decode()
    assert "<option" not in html and 'for="None"' not in html
    assert radios(html, "action") == {
        "approve": "Approve",
        "reject": "Reject",
        "ask_more": "Ask for more information",
    }
    html = client.get(QUEUE).content.decode()
    assert radios(html, "action") == {"approve": "Approve", "reject": "Reject"}


def test_the_statement_filter_offers_any_statement(moderator: object) -> None:
    html = staff_client(moderator).get(QUEUE).content.decode()
    assert '<option value="" selected>Any</option>' in html and "---------" not in html


def test_a_moderator_names_a_hidden_organisation_at_its_request(moderator: object) -> None:
    hidden = make_endorsement(make_statement(), state="approved", hidden=True)
    url = f"{QUEUE}{hidden.pk}/name/"
    page = staff_client(moderator).get(f"{QUEUE}{hidden.pk}/").content.decode()
    assert f'action="{url}"' in page and "Named now at the contact's request" in page
    refused = staff_client(moderator).post(url, {"naming-reason": " "})
    assert (
        refused.status_code == 400
        and "Please say how the contact asked" in refused.content.decode()
    )
    assert staff_client(None).post(url, {"naming-reason": "asked"}).status_code == 302
    assert (
        staff_client(make_user("someone", None)).post(url, {"naming-reason": "x"}).status_code
        == 403
    )
    hidden.refresh_from_db()
    assert hidden.hidden and not AuditEntry.objects.filter(action="name_publicly").exists()
    done = staff_client(moderator).post(url, {"naming-reason": "Email of 2 Dec from the contact"})
    assert done.status_code == 302
    hidden.refresh_from_db()
    assert not hidden.hidden
    entry = AuditEntry.objects.get(action="name_publicly")
    assert entry.reason == "Email of 2 Dec from the contact" and entry.actor == moderator
    again = staff_client(moderator).post(url, {"naming-reason": "again"})
    assert again.status_code == 400 and "already named" in again.content.decode()
    assert staff_client(moderator).get(url).status_code == 405
