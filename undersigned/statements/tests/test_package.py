from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from django.utils import translation
from openpyxl import load_workbook

from undersigned.lib import manifest
from undersigned.lib.statement_files import parse
from undersigned.lib.suppression import Figure
from undersigned.statements import package, paper
from undersigned.statements.models import Signature, Statement
from undersigned.statements.services import import_statement
from undersigned.test import (
    DEMO_FILES,
    TEST_KEYS,
    counted_signatures,
    make_statement,
    reworded,
)

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


def two_versions(tmp_path: Path, first: int, second: int, on_paper: int) -> Statement:
    """FIRST signers of version 1 (one language each in turn), SECOND of version 2 and
    ON_PAPER typed up after the change."""
    statement = import_statement(parse(DEMO_FILES), public_key=TEST_KEYS[0]).statement
    statement.publish()
    old = list(statement.versions.all())
    import_statement(parse([reworded(tmp_path), *DEMO_FILES[1:]]), public_key=TEST_KEYS[0])
    statement = Statement.objects.get(pk=statement.pk)
    new = statement.versions.get(language="en", is_current=True)
    versions = [old[n % 3] for n in range(first)] + [new] * second
    counted_signatures(statement, versions)
    statement.bump(counted=len(versions))  # what confirming them would have done
    header = "sheet,name,email,country,city,affiliation,visibility,signed_on\n"
    if on_paper:
        rows = "".join(f"0001,P{n},,UA,,,4,\n" for n in range(on_paper))
        paper.import_rows(statement, paper.parse(header + rows))
    return statement


def test_the_package_says_how_many_signed_each_version(tmp_path: Path) -> None:
    statement = two_versions(tmp_path, first=12, second=8, on_paper=5)
    with translation.override("en"):
        rows = package.by_version(statement)
        total = dict(package.figures(statement, None))["Total"]
    v1, v2 = (
        v.created_at.date() for v in statement.versions.filter(language="en").order_by("number")
    )
    assert rows == [(f"Version 1 of {v1}", "12"), (f"Version 2 of {v2}", "13")]
    assert sum(int(n) for _label, n in rows) == int(total) == 25
    out = io.BytesIO()
    with translation.override("en"):
        package.write(out, statement, None, None)
    members = manifest.read_members(io.BytesIO(out.getvalue()))
    counts = members["counts.csv"].decode()
    assert f"Version 1 of {v1},12" in counts and f"Version 2 of {v2},13" in counts
    text = "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(members["statement.pdf"])).pages
    )
    assert "Signers by version of the text" in text and f"Version 2 of {v2}" in text
    sheet = load_workbook(io.BytesIO(members["statement.xlsx"]))["counts"]
    assert [f"Version 1 of {v1}", "12"] in [[c.value for c in row] for row in sheet.iter_rows()]


def test_a_version_few_signed_is_not_given_away(tmp_path: Path) -> None:
    statement = two_versions(tmp_path, first=20, second=3, on_paper=0)
    with translation.override("en"):
        rows = dict(package.by_version(statement))
    v2 = statement.versions.get(language="en", number=2).created_at.date()
    # "fewer than 10", and no figure from which 3 could be worked out (rule 2 c): version 1
    # is not shown apart, and "other" is the total, which is public anyway.
    assert rows == {
        f"Version 2 of {v2}": "fewer than 10",
        "Not shown apart (small-number rule)": "23",
    }
