"""The building blocks of our PDFs: the font, headings, paragraphs, tables and QR codes.

Framework-free. Text comes in already translated. The font is Noto Sans from the
fontpkg-noto-sans package (SIL Open Font License 1.1, which allows embedding it in any
document), so Ukrainian and Russian render the same on every machine, whatever fonts the
system has. fpdf2 embeds only the glyphs a document uses.

The font is variable; making a bold instance of it takes seconds, so headings are drawn
in the regular face with a thin outline instead (a "synthetic bold").
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import fontpkg_noto_sans
import segno
from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import FontFace

FONT = "NotoSans"
FONT_FILE: Path = fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf"
FONT_LICENCE: Path = fontpkg_noto_sans.ROOT / "LICENSE"
# fontTools reports every glyph it keeps when fpdf2 subsets the font, at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)
PAPERS = {"a4": "A4", "letter": "Letter"}
# A fixed date in the PDF's metadata: the same content makes the same file.
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Table headings on grey, in the regular face (there is no bold face, see above).
HEADINGS = FontFace(emphasis="", fill_color=(225, 225, 225))


def new_pdf(paper: str = "a4", *, title: str = "", footer: str = "") -> Document:
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    pdf = Document(format=PAPERS[paper], footer=footer)
    pdf.add_font(FONT, "", str(FONT_FILE))
    pdf.set_font(FONT, size=11)
    pdf.set_creation_date(EPOCH)
    pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 18, 18)
    return pdf


class Document(FPDF):
    def __init__(self, *, format: str, footer: str) -> None:
        super().__init__(format=format)
        self.footer_text = footer

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        text = f"{self.footer_text}  ·  {self.page_no()}" if self.footer_text else ""
        self.cell(0, 5, text or str(self.page_no()), align="C")
        self.set_text_color(0)

    def heading(self, text: str, size: float = 16, space: float = 3) -> None:
        self.set_font(FONT, size=size)
        # A synthetic bold: fill and a hairline outline of the same glyphs.
        with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=size / 80):
            self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(space)
        self.set_font(FONT, size=11)

    def paragraph(self, text: str, size: float = 11, space: float = 2) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(space)

    def bullets(self, items: Sequence[str], size: float = 11) -> None:
        self.set_font(FONT, size=size)
        for item in items:
            self.multi_cell(0, size * 0.5, f"•  {item}", new_x="LMARGIN", new_y="NEXT")
            self.ln(1)

    def grid(
        self, header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int]
    ) -> None:
        """A table that continues across pages, its header repeated on each."""
        self.set_font(FONT, size=9)
        with self.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=5,
            repeat_headings=1,
            headings_style=HEADINGS,
        ) as table:
            heading = table.row()
            for text in header:
                heading.cell(text)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(text)
        self.set_font(FONT, size=11)
        self.ln(3)

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        self.image(qr_png(url), x=x, y=y, w=size, h=size)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def qr_png(url: str) -> io.BytesIO:
    """A QR code as a PNG with one pixel per module scaled up, so print stays sharp."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=12, border=4)
    out.seek(0)
    return out
