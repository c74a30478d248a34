from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from django.core.management import call_command
from django.core.management.base import CommandError

from undersigned.statements import caches
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def sheets(tmp_path: Path, *args: str) -> list[pypdf.PageObject]:
    out = tmp_path / "sheets.pdf"
    call_command("sheets", "stop-the-war", *args, "--output", str(out), stdout=io.StringIO())
    return list(pypdf.PdfReader(out).pages)


def test_numbered_sheets_in_the_language_asked(tmp_path: Path) -> None:
    make_statement()
    pages = sheets(tmp_path, "--language", "uk", "--first", "41", "--count", "3")
    assert len(pages) == 3
    for number, page in zip(("0041", "0042", "0043"), pages, strict=True):
        text = page.extract_text()
        assert f"Аркуш № {number}" in text and "Title uk" in text
        assert "Повне ім'я" in text and "Підпис" in text
        (image,) = page.images
        (code,) = zxingcpp.read_barcodes(image.image.convert("L"))
        address, _q, src = code.text.partition("?src=")
        assert address == "http://127.0.0.1:8000/uk/stop-the-war/"
        assert caches.source_tag(src) == "sheet"


def test_the_email_column_says_optional_where_the_statement_allows_none(
    tmp_path: Path,
) -> None:
    make_statement(allow_no_email=True)
    (page,) = sheets(tmp_path)
    assert "Email (optional)" in page.extract_text()


def test_a_silly_count_is_refused(tmp_path: Path) -> None:
    make_statement()
    with pytest.raises(CommandError, match="--count from 1 to 1000"):
        sheets(tmp_path, "--count", "0")
