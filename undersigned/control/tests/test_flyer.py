from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from undersigned.lib import sourcetags
from undersigned.statements import caches
from undersigned.statements.models import StatementVersion
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

TITLES = {"en": "Stop the war", "uk": "Зупиніть війну", "ru": "Остановите войну"}


@pytest.fixture(autouse=True)
def statement() -> None:
    statement = make_statement()
    for language, title in TITLES.items():
        StatementVersion.objects.filter(statement=statement, language=language).update(
            title=title, demands=[f"{title}: now", "Free the prisoners"]
        )


def flyer(tmp_path: Path, *args: str) -> pypdf.PageObject:
    out = tmp_path / "flyer.pdf"
    call_command("flyer", "stop-the-war", *args, "--output", str(out), stdout=io.StringIO())
    (page,) = pypdf.PdfReader(out).pages
    return page


@pytest.mark.parametrize("language", TITLES)
def test_the_flyer_holds_the_title_and_a_qr_code_with_its_source(
    tmp_path: Path, language: str
) -> None:
    page = flyer(tmp_path, "--language", language, "--paper", "a4", "--src", "flyer1")
    text = page.extract_text()
    assert TITLES[language] in text and f"{TITLES[language]}: now" in text
    address = f"http://127.0.0.1:8000/{language}/stop-the-war/"
    assert address in text
    (image,) = page.images
    (code,) = zxingcpp.read_barcodes(image.image.convert("L"))
    assert code.text == f"{address}?src={sourcetags.issue(settings.SECRET_KEY, 'flyer1')}"
    assert caches.source_tag(code.text.partition("?src=")[2]) == "flyer1"


def test_us_letter_and_the_primary_language_by_default(tmp_path: Path) -> None:
    page = flyer(tmp_path, "--paper", "letter")
    assert TITLES["en"] in page.extract_text()
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)


def test_a_source_tag_the_site_could_not_check_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="source tag"):
        flyer(tmp_path, "--src", "Picket Kyiv")


def test_a_language_the_statement_lacks_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no text in 'de'"):
        flyer(tmp_path, "--language", "de")
