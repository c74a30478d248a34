from __future__ import annotations

import io

import pypdf
import pytest
import zxingcpp

from undersigned.lib import printing

TITLES = {"en": "Stop the war", "uk": "Зупиніть війну", "ru": "Остановите войну"}
ADDRESS = "https://example.org/stop-the-war/"


def pages(pdf: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def decoded_qr_codes(page: pypdf.PageObject) -> list[str]:
    found = []
    for image in page.images:
        found += [code.text for code in zxingcpp.read_barcodes(image.image.convert("L"))]
    return found


@pytest.mark.parametrize("language", TITLES)
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_flyer_holds_title_demands_address_and_a_tagged_qr(language: str, paper: str) -> None:
    pdf = printing.flyer(
        printing.Flyer(
            title=TITLES[language],
            demands=[f"{TITLES[language]}: one", "Друге — второе"],
            address=ADDRESS,
            sign_at="Sign at",
            source="flyer1",
            paper=paper,
        )
    )
    (page,) = pages(pdf)
    text = page.extract_text()
    assert TITLES[language] in text
    assert "Друге — второе" in text and ADDRESS in text
    assert decoded_qr_codes(page) == [f"{ADDRESS}?src=flyer1"]
    width = {"a4": 595, "letter": 612}[paper]
    assert round(float(page.mediabox.width)) == width


def test_long_demands_push_the_address_and_code_to_a_page_of_their_own() -> None:
    pdf = printing.flyer(
        printing.Flyer(
            title="Stop the war",
            demands=[f"Demand {n} " + "word " * 60 for n in range(8)],
            address=ADDRESS,
            sign_at="Sign at",
            source="x",
        )
    )
    first, second = pages(pdf)
    assert ADDRESS not in first.extract_text() and not first.images
    assert decoded_qr_codes(second) == [f"{ADDRESS}?src=x"]


def test_one_sheet_per_number_each_with_its_number_columns_and_code() -> None:
    sheet = printing.Sheet(
        title="Остановите войну",
        address=ADDRESS,
        columns=[("№", 1), ("Ім'я", 5), ("Країна", 2), ("Підпис", 3)],
        consent="Підписуючи, я погоджуюся.",
        legend="1 публічно, 4 не публічно",
        sheet_label="Аркуш №",
        source="sheet",
    )
    pdf = printing.signature_sheets(sheet, ["0007", "0008"])
    first, second = pages(pdf)
    assert "Аркуш № 0007" in first.extract_text()
    assert "Аркуш № 0008" in second.extract_text()
    for page in (first, second):
        text = page.extract_text()
        assert "Остановите войну" in text and "Підписуючи, я погоджуюся." in text
        assert "Ім'я" in text and f"\n{printing.SHEET_ROWS}\n" in text
        assert decoded_qr_codes(page) == [f"{ADDRESS}?src=sheet"]
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape


def test_tagged_replaces_a_source_and_keeps_the_rest() -> None:
    assert printing.tagged(ADDRESS, "a b") == f"{ADDRESS}?src=a+b"
    assert printing.tagged(f"{ADDRESS}?lang=uk&src=old", "new") == f"{ADDRESS}?lang=uk&src=new"
    assert printing.tagged(ADDRESS, "") == ADDRESS


def test_an_unknown_paper_size_is_refused() -> None:
    with pytest.raises(ValueError, match="a4, letter"):
        printing.flyer(printing.Flyer("t", [], ADDRESS, "Sign at", paper="a3"))
