from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError, connection
from django.test import Client, override_settings
from nacl.public import SealedBox

from undersigned.delivery.emails import deliver_all
from undersigned.lib import sourcetags
from undersigned.lib.sealing import load_private_key, load_public_key, unseal
from undersigned.public.screening import started_token
from undersigned.statements.models import OutboxMessage, Signature, SourceCount, Statement
from undersigned.test import TEST_KEYS, make_statement

pytestmark = pytest.mark.django_db

URL = "/en/stop-the-war/sign/"
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
GOOD = {
    "name": "Anna Kovalenko",
    "email": "anna@example.org",
    "country": "UA",
    "city": "",
    "affiliation": "",
    "visibility": "4",
}


def post(data: dict[str, str], url: str = URL, **headers: str) -> object:
    # As a browser sends it: with the form's signed render time (see public/screening.py).
    data = {"started": started_token(time.time() - 10), **data}
    return Client().post(url, data, **{**ORIGIN, **headers})


def test_it_records_a_signature_and_says_check_your_email() -> None:
    make_statement()
    response = post(GOOD)
    assert response.status_code == 302
    assert response["Location"] == "/en/stop-the-war/thanks/"
    assert Signature.objects.get().status == "pending"
    assert OutboxMessage.objects.get().kind == "confirm"


def test_the_answer_is_the_same_when_the_address_already_signed() -> None:
    make_statement()
    first, second = post(GOOD), post(GOOD)
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    assert Signature.objects.count() == 1
    assert [m.kind for m in OutboxMessage.objects.order_by("pk")] == ["confirm", "already_signed"]


def test_the_already_signed_email_carries_a_withdraw_link() -> None:
    make_statement()
    post(GOOD)
    post(GOOD)
    deliver_all()
    assert len(mail.outbox) == 2
    assert "/en/manage/" in mail.outbox[1].body
    assert "already signed" in mail.outbox[1].body


def test_it_sets_no_cookie() -> None:
    make_statement()
    response = post(GOOD)
    assert not response.cookies


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-address", "Please enter a valid email address"),
        ("email", "", "Please enter your email address."),
        ("name", "", "Please enter your name."),
        ("name", "x" * 121, "Please keep your name under 120 characters."),
        ("name", "Anna\x00Evil", "Null characters are not allowed."),
        ("name", "Anna\u202eEvil", "Please remove invisible or control characters."),
        ("city", "Lviv\x07", "Please remove invisible or control characters."),
        ("country", "XX", "Please choose a country from the list."),
        ("visibility", "9", "Please choose how your signature is shown."),
    ],
)
def test_bad_input_gets_a_400_with_the_message_next_to_the_field(
    field: str, value: str, message: str
) -> None:
    make_statement()
    response = post({**GOOD, field: value})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert 'value="Anna Kovalenko"' in body or field == "name"
    assert Signature.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_errors_are_translated() -> None:
    make_statement()
    response = post({**GOOD, "email": "nope"}, url="/uk/stop-the-war/sign/")
    assert response.status_code == 400
    assert "Please enter a valid email address" not in response.content.decode()


def test_a_form_from_another_site_is_refused() -> None:
    make_statement()
    response = post(GOOD, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert Signature.objects.count() == 0


def test_a_cross_site_fetch_without_origin_is_refused() -> None:
    make_statement()
    response = Client().post(URL, GOOD, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403


@pytest.mark.parametrize("state", [Statement.State.DRAFT])
def test_a_draft_is_not_found(state: str) -> None:
    make_statement(state=state)
    assert post(GOOD).status_code == 404


def test_a_closed_statement_refuses_with_a_clear_message() -> None:
    make_statement(state=Statement.State.CLOSED)
    response = post(GOOD)
    assert response.status_code == 409
    assert "not accepting signatures" in response.content.decode()


def test_a_statement_without_organisers_key_fails_closed() -> None:
    make_statement(public_key="")
    response = post(GOOD)
    assert response.status_code == 409
    assert Signature.objects.count() == 0


def test_get_is_not_allowed_on_the_sign_url() -> None:
    make_statement()
    assert Client().get(URL).status_code == 405


def test_each_error_is_tied_to_its_field_and_summarised_with_a_link() -> None:
    make_statement()
    body = post({**GOOD, "name": "", "visibility": "9"}).content.decode()
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_name"', body)
    assert re.search(
        r'id="id_name"[^>]*aria-describedby="id_name_error"|'
        r'aria-describedby="id_name_error"[^>]*id="id_name"',
        body,
    )
    assert '<p class="error" id="id_name_error">' in body
    assert 'aria-describedby="id_visibility_error"' in body
    assert 'id="id_visibility_error"' in body
    assert '<a href="#id_name">' in body and '<a href="#id_visibility_0">' in body
    assert "<title>Error:" in body


def test_help_text_is_referenced_by_an_id_that_exists() -> None:
    make_statement()
    body = Client().get("/en/stop-the-war/").content.decode()
    assert 'aria-describedby="id_email_helptext"' in body
    assert 'id="id_email_helptext"' in body
    assert "aria-invalid" not in body


@pytest.mark.parametrize(
    ("country", "default", "stored"),
    [("RU", 2, 4), ("BY", 1, 4), ("UA", 2, 2), ("RU", 4, 4), ("UA", 4, 4)],
)
def test_a_signer_who_picks_no_visibility_gets_the_rule(
    country: str, default: int, stored: int, settings: object
) -> None:
    settings.HIGH_RISK_COUNTRIES = ["RU", "BY"]  # type: ignore[attr-defined]
    settings.DEFAULT_VISIBILITY = default  # type: ignore[attr-defined]
    make_statement()
    data = {k: v for k, v in GOOD.items() if k != "visibility"}
    assert post({**data, "country": country}).status_code == 302
    assert Signature.objects.get().visibility == stored


def test_a_high_risk_signer_may_still_choose_to_be_public(settings: object) -> None:
    settings.HIGH_RISK_COUNTRIES = ["RU"]  # type: ignore[attr-defined]
    make_statement()
    post({**GOOD, "country": "RU", "visibility": "1"})
    assert Signature.objects.get().visibility == 1


def test_the_form_preselects_not_public_by_default() -> None:
    make_statement()
    page = Client().get("/en/stop-the-war/").content.decode()
    checked = re.findall(r'<input type="radio" name="visibility" value="(\d)"[^>]* checked', page)
    assert checked == ["4"]


def test_with_another_default_nothing_is_preselected_and_the_rule_is_said(
    settings: object,
) -> None:
    settings.DEFAULT_VISIBILITY = 2  # type: ignore[attr-defined]
    make_statement()
    page = Client().get("/en/stop-the-war/").content.decode()
    assert 'name="visibility"' in page and " checked" not in page
    assert "If you choose nothing" in page and "Russia" in page


def test_without_email_it_is_unverified_where_allowed() -> None:
    make_statement(allow_no_email=True)
    response = post({**GOOD, "email": ""})
    assert response.status_code == 302
    assert response["Location"] == "/en/stop-the-war/thanks/?unverified=1"
    assert Signature.objects.get().status == "unverified"
    assert OutboxMessage.objects.count() == 0
    thanks = Client().get(response["Location"]).content.decode()
    assert "counted separately" in thanks
    counts = Client().get("/count/stop-the-war.json").json()
    # /count/ follows P9 as the page does: 0 and 1 are below SUPPRESS_BELOW, so no figure.
    assert counts["unverified"] is None and counts["counted"] is None
    assert counts["suppress_below"] == 10 and counts["goal"] == 1000
    with override_settings(SUPPRESS_BELOW=0):
        exact = Client().get("/count/stop-the-war.json").json()
    assert (exact["counted"], exact["unverified"]) == (0, 1)
    page = Client().get("/en/stop-the-war/").content.decode()
    # A count below SUPPRESS_BELOW is never shown as its figure (P9, issue 15).
    assert "fewer than 10 unverified signatures without an email address" in page


def test_without_email_it_is_a_400_where_not_allowed() -> None:
    make_statement()
    response = post({**GOOD, "email": ""})
    assert response.status_code == 400
    assert Signature.objects.count() == 0


def test_a_busy_sign_path_reads_the_statement_and_its_texts_from_the_cache() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_statement()
    assert post(GOOD).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        assert post({**GOOD, "email": "boris@example.org"}).status_code == 302
    tables = " ".join(q["sql"] for q in queries.captured_queries if "SELECT" in q["sql"])
    assert "statements_statement" not in tables and "statementversion" not in tables
    assert Signature.objects.count() == 2


def test_closing_a_statement_stops_signing_at_once_despite_the_cache() -> None:
    statement = make_statement()
    assert post(GOOD).status_code == 302
    statement.close()
    assert post({**GOOD, "email": "boris@example.org"}).status_code == 409
    assert Signature.objects.count() == 1


def test_each_form_has_its_own_copy_of_the_fields() -> None:
    """The lean field copy must keep what Django's deep copy promises: one form changing
    its fields leaves every other form, and the class, untouched."""
    from undersigned.public.forms import SignForm

    first, second = SignForm(), SignForm()
    first.fields["email"].validators.append(lambda value: None)
    first.fields["name"].widget.attrs["data-x"] = "1"
    first.fields["visibility"].choices = [(1, "only")]  # type: ignore[attr-defined]
    first.fields["email"].required = False
    for form in (second, SignForm):
        fields = form.base_fields if form is SignForm else form.fields
        assert len(fields["email"].validators) == len(SignForm.base_fields["email"].validators)
        assert "data-x" not in fields["name"].widget.attrs
        assert len(fields["visibility"].choices) == 4  # type: ignore[attr-defined]
        assert fields["email"].required
    assert first.fields["visibility"].widget.choices == [(1, "only")]  # type: ignore[attr-defined]
    assert len(second.fields["visibility"].widget.choices) == 4  # type: ignore[attr-defined]


def browser_box(statement: Statement, fields: dict[str, str]) -> str:
    """What seal.js puts in the form: the fields in a sealed box, base64."""
    box = SealedBox(load_public_key(statement.public_key))
    return base64.b64encode(box.encrypt(json.dumps(fields).encode())).decode()


def test_fields_sealed_in_the_browser_are_stored_as_sent_and_opened_by_the_key() -> None:
    statement = make_statement()
    box = browser_box(statement, {"name": "Kanareyka Signer", "city": "Tver"})
    sent = {**GOOD, "name": "", "sealed_box": box}
    assert post(sent).status_code == 302
    signature = Signature.objects.get()
    assert signature.public_name == "" and signature.visibility == 4
    record = unseal(load_private_key(TEST_KEYS[1]), bytes(signature.sealed))
    assert (record["name"], record["city"], record["email"]) == (
        "Kanareyka Signer",
        "Tver",
        "anna@example.org",
    )


def test_a_browser_box_needs_the_name_in_the_clear_where_the_name_is_shown() -> None:
    statement = make_statement()
    box = browser_box(statement, {"city": "Tver"})
    response = post({**GOOD, "name": "", "visibility": "2", "sealed_box": box})
    assert response.status_code == 400 and "Please enter your name." in response.content.decode()
    assert post({**GOOD, "visibility": "2", "sealed_box": box}).status_code == 302
    assert Signature.objects.get().public_name == "Anna Kovalenko"


def test_a_malformed_box_is_refused_with_a_message() -> None:
    make_statement()
    response = post({**GOOD, "name": "", "sealed_box": "bm90IGEgYm94"})
    assert response.status_code == 400
    assert "could not be sealed in this browser" in response.content.decode()
    assert not Signature.objects.exists()


def test_a_database_error_on_the_source_count_never_says_not_taken_of_a_kept_signature() -> None:
    """Once the signature committed the signer is acknowledged (public/admission.py): the
    flyer's count goes in with it or not at all, never in a write of its own afterwards."""
    make_statement()
    tag = sourcetags.issue(settings.SECRET_KEY, "picket-kyiv")

    def locked_counts(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "sourcecount" in sql.lower():
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(locked_counts):
        response = post({**GOOD, "src": tag})
    kept = Signature.objects.count()
    assert (response.status_code, kept) in ((302, 1), (503, 0))
    assert SourceCount.objects.filter(signatures=1).count() == kept
