from __future__ import annotations

import io

import pypdf

from undersigned.lib import pdfdoc


def build() -> bytes:
    pdf = pdfdoc.new_pdf("a4", title="Заява", footer="stop-the-war")
    pdf.add_page()
    pdf.heading("Зупиніть війну")
    pdf.paragraph("Остановите войну ёЁ ґҐ їЇ єЄ")
    pdf.grid(["Ім'я", "Країна"], [[f"Підписант {n}", "UA"] for n in range(150)], (3, 1))
    return pdf.to_bytes()


def test_cyrillic_is_written_with_the_packaged_font_embedded() -> None:
    reader = pypdf.PdfReader(io.BytesIO(build()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Зупиніть війну" in text and "ёЁ ґҐ їЇ єЄ" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    (font,) = [fonts[name].get_object() for name in fonts]
    assert "NotoSans" in font["/BaseFont"]
    descendant = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded, not the system's


def test_a_long_table_runs_over_pages_with_its_header_on_each() -> None:
    reader = pypdf.PdfReader(io.BytesIO(build()))
    assert len(reader.pages) > 2
    for page in reader.pages:
        assert "Ім'я" in page.extract_text()
    assert "Підписант 149" in reader.pages[-1].extract_text()


def test_the_same_content_makes_the_same_file() -> None:
    assert build() == build()


def test_the_font_licence_ships_with_the_font() -> None:
    assert pdfdoc.FONT_FILE.exists()
    assert "SIL OPEN FONT LICENSE" in pdfdoc.FONT_LICENCE.read_text().upper()
