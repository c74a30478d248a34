from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from undersigned.statements.models import Signature, Statement, Visibility
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def sign(email: str) -> Signature:
    statement = Statement.objects.filter(slug="stop-the-war").first() or make_statement()
    signature, _ = Signature.sign(
        statement,
        language="en",
        name="Pavel Orlov",
        email=email,
        country="RU",
        visibility=Visibility.PUBLIC,
    )
    assert signature is not None
    signature.confirm()
    return signature


def test_it_erases_the_signature_of_that_address_only(caplog: pytest.LogCaptureFixture) -> None:
    target, other = sign("pavel@example.org"), sign("someone@example.org")
    out = io.StringIO()
    with caplog.at_level(logging.INFO, logger="undersigned.audit"):
        call_command("erase", "stop-the-war", "  Pavel@Example.org ", stdout=out)
    target.refresh_from_db()
    other.refresh_from_db()
    assert target.status == "erased" and target.sealed is None
    assert other.status == "confirmed"
    assert "erased 1 signature(s)" in out.getvalue()
    assert "erase: 1 signature(s) on statement stop-the-war" in caplog.text
    assert "pavel" not in caplog.text.lower() and "example.org" not in caplog.text


def test_it_erases_a_withdrawn_one_and_the_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    first = sign("pavel@example.org")
    first.withdraw()
    second = sign("pavel@example.org")
    monkeypatch.setattr("sys.stdin", io.StringIO("pavel@example.org\n"))
    call_command("erase", "stop-the-war", "-", stdout=io.StringIO())
    assert {s.status for s in Signature.objects.filter(pk__in=[first.pk, second.pk])} == {"erased"}


def test_dry_run_changes_nothing() -> None:
    signature = sign("pavel@example.org")
    out = io.StringIO()
    call_command("erase", "stop-the-war", "pavel@example.org", "--dry-run", stdout=out)
    signature.refresh_from_db()
    assert signature.status == "confirmed" and "would erase 1" in out.getvalue()


@pytest.mark.parametrize(("slug", "email"), [("nope", "a@b.org"), ("stop-the-war", "nope")])
def test_bad_input_is_a_clear_error(slug: str, email: str) -> None:
    sign("pavel@example.org")
    with pytest.raises(CommandError):
        call_command("erase", slug, email, stdout=io.StringIO())
