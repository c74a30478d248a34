"""Signer safety on the model: lowering visibility, erasing, signing without an email."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from undersigned.statements import already_signed
from undersigned.statements.models import OutboxMessage, Signature, StatementError, Visibility
from undersigned.statements.services import reconcile
from undersigned.statements.tests.test_models import SIGNER as BASE_SIGNER
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

SIGNER = {**BASE_SIGNER, "name": "Anna Maria Kovalenko"}


def confirmed(visibility: int, **extra: object) -> Signature:
    statement = make_statement(**extra)  # type: ignore[arg-type]
    signature, _ = Signature.sign(statement, visibility=visibility, **SIGNER)
    assert signature is not None
    signature.confirm()
    return signature


def public_of(signature: Signature) -> tuple[str, str, str]:
    signature.refresh_from_db()
    return (signature.public_name, signature.public_city, signature.public_affiliation)


@pytest.mark.parametrize(
    ("start", "level", "expected"),
    [
        (Visibility.PUBLIC, Visibility.NAME_ONLY, ("Anna Maria Kovalenko", "", "")),
        (Visibility.PUBLIC, Visibility.INITIALS, ("A.M.K.", "", "")),
        (Visibility.NAME_ONLY, Visibility.INITIALS, ("A.M.K.", "", "")),
        (Visibility.PUBLIC, Visibility.HIDDEN, ("", "", "")),
        (Visibility.INITIALS, Visibility.HIDDEN, ("", "", "")),
    ],
)
def test_lowering_keeps_only_what_the_new_level_shows(
    start: int, level: int, expected: tuple[str, str, str]
) -> None:
    signature = confirmed(start)
    signature.lower_visibility(level)
    assert public_of(signature) == expected
    assert signature.visibility == level


def test_lowering_to_not_public_drops_the_listed_count_but_not_the_count() -> None:
    signature = confirmed(Visibility.PUBLIC)
    assert signature.statement.counts() == {
        "counted": 1,
        "listed": 1,
        "unverified": 0,
        "organisations": 0,
    }
    signature.lower_visibility(Visibility.HIDDEN)
    assert signature.statement.counts() == {
        "counted": 1,
        "listed": 0,
        "unverified": 0,
        "organisations": 0,
    }
    assert reconcile(signature.statement).drift == {}


@pytest.mark.parametrize("level", [Visibility.PUBLIC, Visibility.NAME_ONLY, 0, 5])
def test_visibility_can_never_go_up_or_stay(level: int) -> None:
    signature = confirmed(Visibility.NAME_ONLY)
    with pytest.raises(StatementError, match="less visible"):
        signature.lower_visibility(level)
    assert public_of(signature) == ("Anna Maria Kovalenko", "", "")


def test_a_withdrawn_signature_cannot_be_lowered() -> None:
    signature = confirmed(Visibility.PUBLIC)
    signature.withdraw()
    with pytest.raises(StatementError):
        signature.lower_visibility(Visibility.HIDDEN)


@pytest.mark.parametrize("withdraw_first", [False, True])
def test_erase_keeps_nothing_that_names_the_signer(withdraw_first: bool) -> None:
    signature = confirmed(Visibility.PUBLIC)
    if withdraw_first:
        signature.withdraw()
    signature.erase()
    signature.refresh_from_db()
    assert signature.status == "erased" and not signature.counted
    assert signature.sealed is None and signature.email_digest is None
    assert signature.manage_token_hash is None and signature.confirm_token_hash is None
    assert public_of(signature) == ("", "", "")
    assert signature.country == ""
    assert not OutboxMessage.objects.filter(signature=signature).exists()
    assert signature.statement.counts() == {
        "counted": 0,
        "listed": 0,
        "unverified": 0,
        "organisations": 0,
    }
    assert reconcile(signature.statement).drift == {}
    with pytest.raises(StatementError, match="already erased"):
        signature.erase()


def test_erase_leaves_no_trace_in_the_tables() -> None:
    signature = confirmed(Visibility.PUBLIC)
    signature.erase()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM statements_signature")
        dump = repr(cursor.fetchall())
    assert "Kovalenko" not in dump and "Lviv" not in dump and "Teachers" not in dump


def test_after_erasing_one_may_sign_again() -> None:
    signature = confirmed(Visibility.PUBLIC)
    signature.erase()
    again, message = Signature.sign(signature.statement, **SIGNER)
    assert again is not None and message is not None and message.kind == "confirm"


def test_without_email_it_is_unverified_and_counted_apart() -> None:
    statement = make_statement(allow_no_email=True)
    signature, message = Signature.sign(
        statement, visibility=Visibility.PUBLIC, **{**SIGNER, "email": ""}
    )
    assert signature is not None and message is None
    assert signature.status == "unverified" and not signature.counted
    assert signature.email_digest is None and signature.manage_token_hash is None
    assert statement.counts() == {"counted": 0, "listed": 0, "unverified": 1, "organisations": 0}
    assert OutboxMessage.objects.count() == 0
    assert reconcile(statement).drift == {}
    signature.erase()
    assert statement.counts() == {"counted": 0, "listed": 0, "unverified": 0, "organisations": 0}
    assert reconcile(statement).drift == {}


def test_without_email_it_is_refused_unless_the_statement_allows_it() -> None:
    statement = make_statement()
    with pytest.raises(StatementError, match="needs an email"):
        Signature.sign(statement, **{**SIGNER, "email": ""})
    assert Signature.objects.count() == 0


@override_settings(HIGH_RISK_COUNTRIES=["RU", "BY"])
@pytest.mark.parametrize(("country", "neutral"), [("RU", True), ("by", True), ("UA", False)])
def test_emails_to_high_risk_signers_are_marked_neutral(country: str, neutral: bool) -> None:
    statement = make_statement()
    _signature, message = Signature.sign(statement, **{**SIGNER, "country": country})
    assert message is not None and message.open_payload()["neutral"] is neutral
    _none, again = Signature.sign(statement, **{**SIGNER, "country": "UA"})
    assert again is not None
    # The worker resolves "already signed" from the existing signature (already_signed.py).
    payload = again.open_payload()
    assert already_signed.resolve(again, payload, timezone.now())
    assert payload["neutral"] is neutral
