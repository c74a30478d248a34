from __future__ import annotations

import io

import pytest
from django.utils import translation

from undersigned.lib import manifest
from undersigned.lib.suppression import Figure
from undersigned.statements import package
from undersigned.statements.models import Signature, Statement
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def signed(statement: Statement, country: str, n: int) -> None:
    for i in range(n):
        signature, _m = Signature.sign(
            statement, language="en", name="A B", email=f"{country}{i}@example.org", country=country
        )
        assert signature is not None
        signature.confirm()


def test_shown_says_the_figure_or_fewer_than() -> None:
    with translation.override("en"):
        assert package.shown(Figure(12, 10)) == "12"
        assert package.shown(Figure(None, 10)) == "fewer than 10"
    with translation.override("uk"):
        assert package.shown(Figure(None, 5)) == "менше ніж 5"


def test_small_totals_are_withheld_and_follow_the_setting(settings: object) -> None:
    statement = make_statement()
    signed(statement, "UA", 4)
    with translation.override("en"):
        figures = dict(package.figures(statement, None))
        # Too few to break down at all: only the total, as "fewer than 10".
        assert figures["Total"] == "fewer than 10" and "Confirmed online" not in figures
        settings.SUPPRESS_BELOW = 3  # type: ignore[attr-defined]
        assert dict(package.figures(statement, None))["Total"] == "4"


def test_by_country_uses_country_names_in_the_active_language() -> None:
    statement = make_statement()
    signed(statement, "UA", 10)
    with translation.override("ru"):
        assert package.by_country(statement) == [("Украина", "10")]


def test_the_address_is_in_the_language_asked_or_the_primary_one() -> None:
    statement = make_statement()
    assert package.statement_address(statement, "uk").endswith("/uk/stop-the-war/")
    assert package.statement_address(statement, "de").endswith("/en/stop-the-war/")


def test_a_public_package_has_no_signer_file_and_no_signature() -> None:
    statement = make_statement()
    out = io.BytesIO()
    with translation.override("en"):
        package.write(out, statement, None, None)
    members = manifest.read_members(io.BytesIO(out.getvalue()))
    assert "signers.csv" not in members and manifest.SIGNATURE not in members
    assert manifest.verify_package(io.BytesIO(out.getvalue()), None)["kind"] == "public"
