from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings

from undersigned.lib import tokens
from undersigned.statements.models import Signature, Visibility
from undersigned.test import make_statement, signed_up

pytestmark = pytest.mark.django_db
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def pending() -> tuple[Signature, str, str]:
    statement = make_statement()
    signature, links = signed_up(
        statement, name="Anna K", confirm=False, visibility=Visibility.PUBLIC
    )
    return signature, links["confirm_token"], links["manage_token"]


def test_get_shows_one_button_and_changes_nothing() -> None:
    signature, token, _ = pending()
    response = Client().get(f"/en/confirm/{token}/")
    assert response.status_code == 200
    assert response.content.decode().count("<button") == 1
    signature.refresh_from_db()
    assert signature.status == "pending"


# /count/ moves by one here: exact figures, as the live tests set them (EXACT_COUNTS).
@override_settings(SUPPRESS_BELOW=0)
def test_post_confirms_and_the_count_and_list_change_at_once() -> None:
    signature, token, _ = pending()
    response = Client().post(f"/en/confirm/{token}/", **ORIGIN)
    assert response.status_code == 200
    signature.refresh_from_db()
    assert signature.status == "confirmed" and signature.counted
    assert Client().get("/count/stop-the-war.json").json()["counted"] == 1


def test_a_used_link_gets_a_friendly_page() -> None:
    _signature, token, _ = pending()
    Client().post(f"/en/confirm/{token}/", **ORIGIN)
    response = Client().post(f"/en/confirm/{token}/", **ORIGIN)
    assert response.status_code == 200
    assert "already used" in response.content.decode()


def test_an_expired_link_gets_a_friendly_page() -> None:
    signature, token, _ = pending()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        shown = Client().get(f"/en/confirm/{token}/")
        response = Client().post(f"/en/confirm/{token}/", **ORIGIN)
    assert shown.status_code == 410 and "no longer works" in shown.content.decode()
    assert response.status_code == 410, "Gone, with the styled page"
    assert "expired" in response.content.decode()
    signature.refresh_from_db()
    assert signature.status == "pending"


@pytest.mark.parametrize("token", ["x" * 32, "short", "a" * 200, "%00" * 16])
def test_a_tampered_token_gets_a_translated_404(token: str) -> None:
    pending()
    response = Client().get(f"/uk/confirm/{token}/")
    assert response.status_code == 404
    assert "This link is not valid" not in response.content.decode()


def test_the_token_itself_is_not_stored() -> None:
    signature, token, _ = pending()
    assert signature.confirm_token_hash == tokens.token_hash(token)
    assert not Signature.objects.filter(confirm_token_hash=token).exists()


# /count/ moves by one here: exact figures, as the live tests set them (EXACT_COUNTS).
@override_settings(SUPPRESS_BELOW=0)
def test_withdraw_get_shows_buttons_changes_nothing_and_post_withdraws() -> None:
    signature, token, manage = pending()
    Client().post(f"/en/confirm/{token}/", **ORIGIN)
    page = Client().get(f"/en/manage/{manage}/").content.decode()
    assert 'value="withdraw"' in page and 'value="erase"' in page
    signature.refresh_from_db()
    assert signature.status == "confirmed"
    response = Client().post(f"/en/manage/{manage}/", **ORIGIN)
    assert response.status_code == 200
    signature.refresh_from_db()
    assert signature.status == "withdrawn" and not signature.counted
    assert Client().get("/count/stop-the-war.json").json()["counted"] == 0
    again = Client().post(f"/en/manage/{manage}/", **ORIGIN)
    assert "already withdrawn" in again.content.decode()


def test_confirm_from_another_site_is_refused() -> None:
    signature, token, _ = pending()
    response = Client().post(f"/en/confirm/{token}/", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    signature.refresh_from_db()
    assert signature.status == "pending"


def test_the_losing_one_of_two_quick_presses_is_told_it_is_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from undersigned.public import views

    signature, token, _ = pending()
    real = views._signature_for

    def read_then_the_other_press_wins(
        token: str, field: str, only: tuple[str, ...] | None = None
    ) -> Signature | None:
        found = real(token, field, only)  # read as pending, without a lock
        assert found is not None
        Signature.objects.get(pk=found.pk).confirm()
        return found

    monkeypatch.setattr(views, "_signature_for", read_then_the_other_press_wins)
    response = Client().post(f"/en/confirm/{token}/", **ORIGIN)
    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert signature.statement.counts()["counted"] == 1


def test_confirming_reads_only_what_it_needs_of_the_signature() -> None:
    """One narrow read and the write: the sealed details never leave the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signature, token, _ = pending()
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(f"/en/confirm/{token}/", **ORIGIN)
    assert response.status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if "statements_signature" in q["sql"]]
    assert len(reads) == 1, reads  # the confirming write runs on the raw connection
    assert '"sealed"' not in reads[0] and '"email_digest"' not in reads[0]
    signature.refresh_from_db()
    assert (signature.status, signature.counted) == ("confirmed", True)
