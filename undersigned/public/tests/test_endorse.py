from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from undersigned.statements.models import Endorsement, OutboxMessage
from undersigned.test import endorse_form, make_endorsement, make_statement

pytestmark = pytest.mark.django_db

URL = "/en/stop-the-war/endorse/"
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
GOOD = endorse_form(note="")


def post(data: dict[str, str], **headers: str) -> object:
    return Client().post(URL, data, **{**ORIGIN, **headers})


def test_the_form_sits_beside_the_individual_one() -> None:
    make_statement()
    html = Client().get("/en/stop-the-war/").content.decode()
    assert 'action="/en/stop-the-war/endorse/"' in html
    assert 'for="id_org-contact_email"' in html


def test_it_records_an_endorsement_and_answers_check_your_email() -> None:
    make_statement()
    response = post(GOOD)
    assert response.status_code == 302
    assert response["Location"] == "/en/stop-the-war/thanks/?organisation=1"
    assert not response.cookies
    endorsement = Endorsement.objects.get()
    assert endorsement.state == "pending_confirmation" and endorsement.domain_matches
    assert OutboxMessage.objects.get().kind == "endorse_confirm"


def test_the_answer_is_the_same_for_a_likely_duplicate() -> None:
    make_statement()
    first, second = post(GOOD), post(GOOD)
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    first_row, second_row = Endorsement.objects.order_by("pk")
    assert second_row.duplicate_of == first_row


def test_another_site_cannot_post_it() -> None:
    make_statement()
    response = post(GOOD, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("website", "ftp://union.example.org/", "starting with http:// or https://"),
        ("website", "javascript:alert(1)", "starting with http:// or https://"),
        ("website", "not a site", "starting with http:// or https://"),
        ("website", "", "Please enter the organisation&#x27;s website."),
        ("name", "", "Please enter the name of the organisation."),
        ("name", "Union\u202e", "Please remove invisible or control characters."),
        ("kind", "church", "Please choose a kind from the list."),
        ("country", "XX", "Please choose a country from the list."),
        ("contact_email", "nope", "Please enter a valid email address"),
        ("note", "x" * 281, "Please keep the note under 280 characters."),
    ],
)
def test_bad_input_gets_a_400_with_the_message_and_the_values_kept(
    field: str, value: str, message: str
) -> None:
    make_statement()
    response = post({**GOOD, f"org-{field}": value})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'id="id_org-{field}_error"' in html
    assert 'value="contact@union.example.org"' in html or field == "contact_email"
    assert not Endorsement.objects.exists()


def test_errors_are_translated() -> None:
    make_statement()
    response = Client().post(
        "/uk/stop-the-war/endorse/", {**GOOD, "org-website": "ftp://x.org"}, **ORIGIN
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please enter a web address" not in html
    assert "http:// або https://" in html


def confirm_token(endorsement: Endorsement) -> str:
    url = (
        OutboxMessage.objects.filter(kind="endorse_confirm")
        .last()
        .open_payload()["extra"]["confirm_url"]
    )
    return url.rstrip("/").rsplit("/", 1)[1]


def test_the_emailed_link_shows_one_button_and_only_post_confirms() -> None:
    endorsement = make_endorsement(make_statement(), state="pending_confirmation")
    token = confirm_token(endorsement)
    response = Client().get(f"/en/endorsement/{token}/")
    assert response.status_code == 200
    assert response.content.decode().count("<button") == 1
    endorsement.refresh_from_db()
    assert endorsement.state == "pending_confirmation"
    response = Client().post(f"/en/endorsement/{token}/", **ORIGIN)
    assert response.status_code == 200
    endorsement.refresh_from_db()
    assert endorsement.state == "confirmed"


def test_a_used_or_forged_link_gets_a_404() -> None:
    endorsement = make_endorsement(make_statement(), state="pending_confirmation")
    token = confirm_token(endorsement)
    Client().post(f"/en/endorsement/{token}/", **ORIGIN)
    assert Client().post(f"/en/endorsement/{token}/", **ORIGIN).status_code == 404
    assert Client().get("/en/endorsement/" + "x" * 32 + "/").status_code == 404
    assert Client().get("/en/endorsement/short/").status_code == 404


def test_an_expired_link_confirms_nothing() -> None:
    endorsement = make_endorsement(make_statement(), state="pending_confirmation")
    token = confirm_token(endorsement)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        shown = Client().get(f"/en/endorsement/{token}/")
        response = Client().post(f"/en/endorsement/{token}/", **ORIGIN)
    assert shown.status_code == 410 and "no longer works" in shown.content.decode()
    assert response.status_code == 410, "Gone, with the styled page"
    assert "expired" in response.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.state == "pending_confirmation"


def test_the_thanks_page_speaks_of_the_contact_and_the_moderators() -> None:
    make_statement()
    body = Client().get("/en/stop-the-war/thanks/?organisation=1").content.decode()
    assert "a moderator reviews the endorsement" in body


def test_an_organisation_can_choose_not_to_be_named_in_public() -> None:
    make_statement()
    html = Client().get("/en/stop-the-war/").content.decode()
    assert 'name="org-hidden"' in html and "Do not name us in public" in html
    assert 'aria-describedby="id_org-hidden_helptext"' in html
    assert post({**GOOD, "org-hidden": "on"}).status_code == 302
    assert post({**GOOD, "org-name": "Named Group", "org-website": "https://n.org/"})
    assert list(Endorsement.objects.order_by("pk").values_list("hidden", flat=True)) == [
        True,
        False,
    ]
