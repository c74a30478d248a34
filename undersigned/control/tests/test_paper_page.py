"""The organisers' page for printing and paper signatures (control/paper.py)."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from undersigned.statements.models import AuditEntry, PaperBatch, PaperSignature, paper_count
from undersigned.test import make_statement, personas, staff_client

pytestmark = pytest.mark.django_db

PAGE = "/control/statements/stop-the-war/paper/"
HEADER = "sheet,name,email,country,city,affiliation,visibility,signed_on\n"
VIEWS = [
    PAGE,
    "/control/statements/stop-the-war/print/flyer/uk.pdf?paper=letter&src=market",
    "/control/statements/stop-the-war/print/sheets/ru.pdf?first=21",
]


def upload(client: object, text: str) -> object:
    sheets = SimpleUploadedFile("sheets.csv", text.encode(), content_type="text/csv")
    return client.post(PAGE, {"sheets": sheets})  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", VIEWS)
@pytest.mark.parametrize("persona", ["organiser", "moderator", "stranger", "anonymous"])
def test_only_organisers_may_print_and_add_paper(url: str, persona: str) -> None:
    make_statement()
    response = staff_client(personas()[persona]).get(url)
    expected = {"organiser": 200, "moderator": 403, "stranger": 403, "anonymous": 302}
    assert response.status_code == expected[persona]


def test_an_organiser_downloads_a_flyer_and_numbered_sheets() -> None:
    make_statement()
    client = staff_client(personas()["organiser"])
    flyer = client.get(VIEWS[1])
    assert flyer["Content-Type"] == "application/pdf"
    (page,) = pypdf.PdfReader(io.BytesIO(flyer.content)).pages
    assert "Title uk" in page.extract_text() and float(page.mediabox.width) == 612
    sheets = pypdf.PdfReader(io.BytesIO(client.get(VIEWS[2]).content)).pages
    assert len(sheets) == 20 and "Лист № 0021" in sheets[0].extract_text()
    assert client.get("/control/statements/stop-the-war/print/flyer/de.pdf").status_code == 404
    assert client.get("/control/statements/stop-the-war/print/other/uk.pdf").status_code == 404


def test_the_print_links_carry_the_source_tag_the_organiser_chose() -> None:
    make_statement()
    client = staff_client(personas()["organiser"])
    html = client.get(PAGE, {"src": "picket-kyiv"}).content.decode()
    assert "flyer/uk.pdf?paper=a4&amp;src=picket-kyiv" in html
    bad = client.get(PAGE, {"src": "Picket Kyiv"}).content.decode()
    assert "Use only lower-case letters, digits and hyphens." in bad and "&amp;src=" not in bad
    url = "/control/statements/stop-the-war/print/flyer/uk.pdf?src=Picket+Kyiv"
    assert client.get(url).status_code == 404


def test_a_bad_upload_changes_nothing_and_lists_every_bad_line() -> None:
    make_statement()
    client = staff_client(personas()["organiser"])
    response = upload(client, HEADER + "0001,A,,UA,,,,\n0001,,,UA,,,,\n0002,B,,ZZ,,,,\n")
    html = response.content.decode()
    assert response.status_code == 400
    assert "2 bad rows; nothing was imported." in html
    assert "line 3: name is empty" in html and "line 4: ZZ is not a country code" in html
    assert not PaperBatch.objects.exists()


def test_a_good_upload_adds_a_batch_that_can_be_undone() -> None:
    statement = make_statement()
    organiser = personas()["organiser"]
    client = staff_client(organiser)
    response = upload(client, HEADER + "0001,A,,UA,,,,\n0002,B,b@example.org,PL,,,1,\n")
    assert response.status_code == 302 and response["Location"] == PAGE
    html = client.get(PAGE).content.decode()
    assert "2 paper signature(s) added from sheets 0001–0002" in html
    batch = PaperBatch.objects.get()
    assert batch.created_by == organiser.get_username() and paper_count(statement) == 2
    entry = AuditEntry.objects.get(action="paper_import")
    assert entry.actor == organiser and "sheets 0001–0002" in entry.reason
    undone = client.post(f"{PAGE}{batch.pk}/undo/")
    assert undone.status_code == 302
    assert not PaperSignature.objects.exists() and paper_count(statement) == 0
    assert "undone by" in client.get(PAGE).content.decode()


def test_a_moderator_cannot_undo_a_batch() -> None:
    make_statement()
    people = personas()
    upload(staff_client(people["organiser"]), HEADER + "0001,A,,UA,,,,\n")
    batch = PaperBatch.objects.get()
    response = staff_client(people["moderator"]).post(f"{PAGE}{batch.pk}/undo/")
    assert response.status_code == 403
    assert PaperSignature.objects.count() == 1


def test_the_control_home_links_to_it() -> None:
    make_statement()
    html = staff_client(personas()["organiser"]).get("/control/").content.decode()
    assert f'href="{PAGE}"' in html
