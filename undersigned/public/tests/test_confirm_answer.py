"""The confirmation page says nothing untrue to a quarantined signer, and says the same to
every signer, so it tells a bot nothing about whether it was caught."""

from __future__ import annotations

import pytest
from django.test import Client

from undersigned.statements.models import Signature
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def confirmed_page(statement: object, email: str, *, quarantined: bool) -> str:
    _signature, message = Signature.sign(
        statement,  # type: ignore[arg-type]
        language="en",
        name="Anna K",
        email=email,
        country="UA",
        quarantined=quarantined,
        quarantine_reasons="burst" if quarantined else "",
    )
    assert message is not None
    token = message.open_payload()["confirm_token"]
    response = Client().post(f"/en/confirm/{token}/", **ORIGIN)
    assert response.status_code == 200
    # The language switcher links to this same address: the token differs, nothing else.
    return str(response.content.decode()).replace(token, "TOKEN")


def test_one_true_answer_for_counted_and_quarantined_signers() -> None:
    statement = make_statement()
    counted = confirmed_page(statement, "anna@example.org", quarantined=False)
    held = confirmed_page(statement, "bot@example.org", quarantined=True)
    assert statement.counts()["counted"] == 1  # the quarantined one does not count
    assert counted == held
    assert "It now counts" not in held
    assert "some wait for a moderator" in held


def test_the_answer_without_an_email_is_true_for_a_quarantined_signer_too() -> None:
    """A quarantined signature without an email is not counted as unverified until a
    moderator releases it; the (cached, shared) thanks page must not promise otherwise."""
    make_statement(allow_no_email=True)
    page = Client().get("/en/stop-the-war/thanks/?unverified=1").content.decode()
    assert "Once it passes our checks against abuse, it is counted separately" in page
