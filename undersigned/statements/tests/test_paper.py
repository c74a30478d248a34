from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from undersigned.statements import paper, retention
from undersigned.statements.models import PaperSignature, Signature
from undersigned.test import make_statement

HEADER = "sheet,name,email,country,city,affiliation,visibility,signed_on\n"


def test_sheet_numbers_are_written_as_ranges() -> None:
    assert paper.sheet_ranges(["0003", "0001", "0002", "0007", "0002", "A"]) == "0001–0003, 0007, A"


def test_parse_takes_a_spreadsheets_bom_and_capitalised_headers() -> None:
    text = "\ufeff" + HEADER.title() + "0001,Olena,,ua,,,,\n"
    (row,) = paper.parse(text)
    assert (row.line, row.sheet, row.country, row.visibility) == (2, "0001", "UA", 4)


def test_parse_names_every_bad_line_at_once() -> None:
    text = HEADER + "0001,A,,UA,,,,\n0001,,,UA,,,,\n0001,B,,ZZ,,,9,\n" + "0002,C,,UA,,,,\n"
    with translation.override("en"), pytest.raises(paper.PaperImportError) as caught:
        paper.parse(text)
    assert [line for line, _problem in caught.value.lines] == [3, 4]
    assert "name is empty" in caught.value.lines[0][1]
    assert "ZZ is not a country code" in caught.value.lines[1][1]
    assert "visibility must be 1, 2, 3 or 4" in caught.value.lines[1][1]


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(paper.PaperImportError):
        paper.parse(HEADER)


@pytest.mark.django_db
def test_a_second_row_with_one_email_and_a_withdrawn_online_one_are_handled() -> None:
    statement = make_statement()
    gone, _m = Signature.sign(
        statement, language="en", name="Gone", email="gone@example.org", country="UA"
    )
    assert gone is not None
    gone.confirm()
    gone.withdraw()
    rows = paper.parse(
        HEADER
        + "0001,Twice,twice@example.org,UA,,,,\n"
        + "0001,Twice again,TWICE@example.org,UA,,,,\n"
        + "0002,Came back,gone@example.org,UA,,,,\n"
    )
    outcome = paper.import_rows(statement, rows)
    assert outcome.skipped_lines == [3]
    assert PaperSignature.objects.count() == 2 and outcome.batch.size == 2


@pytest.mark.django_db
def test_retention_removes_what_names_paper_signers_and_keeps_the_count() -> None:
    statement = make_statement(retention_days=30)
    paper.import_rows(statement, paper.parse(HEADER + "0001,Olena,o@example.org,UA,,,1,\n"))
    statement.close()
    assert retention.purge(timezone.now() + dt.timedelta(days=29)).sealed == 0
    assert PaperSignature.objects.get().sealed is not None
    assert retention.purge(timezone.now() + dt.timedelta(days=31)).sealed == 1
    row = PaperSignature.objects.get()
    assert row.sealed is None and row.email_digest is None
    assert paper.reconcile_paper(statement) == (1, 1)
    assert retention.purge(timezone.now() + dt.timedelta(days=32)).sealed == 0


@pytest.mark.django_db
def test_erasing_a_paper_signer_drops_the_count_and_reconciles() -> None:
    statement = make_statement()
    rows = paper.parse(HEADER + "0001,Olena,o@example.org,UA,,,1,\n0001,Ivan,,UA,,,,\n")
    batch = paper.import_rows(statement, rows).batch
    digest = PaperSignature.objects.get(line=2).email_digest
    assert digest is not None and paper.signed_on_paper(statement, digest) == 1
    assert paper.erase(statement, digest) == 1
    assert paper.reconcile_paper(statement) == (1, 1)
    assert paper.undo(batch) == 1 and paper.reconcile_paper(statement) == (0, 0)


@pytest.mark.django_db
def test_reconcile_reports_paper_drift_and_fix_mends_it() -> None:
    statement = make_statement()
    batch = paper.import_rows(
        statement, paper.parse(HEADER + "0001,A,,UA,,,,\n0001,B,,UA,,,,\n")
    ).batch
    PaperSignature.objects.filter(line=3).delete()  # a row lost behind the batch's back
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("reconcile", stdout=out)
    assert "paper 1 (shown 2)" in out.getvalue()
    call_command("reconcile", "--fix", stdout=io.StringIO())
    batch.refresh_from_db()
    assert batch.size == 1 and paper.reconcile_paper(statement) == (1, 1)
