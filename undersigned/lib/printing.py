"""Printed matter for canvassing: a flyer, and sheets for collecting signatures on paper.

Framework-free: the caller passes the texts, already in the language to print. The QR code
carries a source tag (`?src=`) so that the trending report shows which flyer or sheet
brought signers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from undersigned.lib.pdfdoc import HEADINGS, Document, new_pdf

SHEET_ROWS = 14


def tagged(url: str, source: str) -> str:
    """URL with ?src=SOURCE (replacing any src already there)."""
    parts = urlsplit(url)
    query = [p for p in parts.query.split("&") if p and not p.startswith("src=")]
    if source:
        query.append(urlencode({"src": source}))
    return urlunsplit(parts._replace(query="&".join(query)))


@dataclass(frozen=True)
class Flyer:
    title: str
    demands: Sequence[str]
    # The address as people type it, and the label before it ("Sign at").
    address: str
    sign_at: str
    source: str = ""
    paper: str = "a4"


def flyer(content: Flyer) -> bytes:
    pdf = new_pdf(content.paper, title=content.title)
    pdf.add_page()
    pdf.heading(content.title, size=26, space=6)
    pdf.bullets(content.demands, size=14)
    qr_size = 70.0
    # The address and the code stay together, under the demands, on one page.
    if pdf.get_y() + qr_size + 40 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(8)
    pdf.paragraph(content.sign_at, size=14, space=1)
    pdf.heading(content.address, size=18, space=4)
    x = (pdf.w - qr_size) / 2
    pdf.qr(tagged(content.address, content.source), x=x, y=pdf.get_y(), size=qr_size)
    return pdf.to_bytes()


@dataclass(frozen=True)
class Sheet:
    title: str
    address: str
    # (heading, relative width) for each column the statement asks for.
    columns: Sequence[tuple[str, int]]
    consent: str
    legend: str
    sheet_label: str
    source: str = "paper"
    paper: str = "a4"
    rows: int = SHEET_ROWS


def signature_sheets(content: Sheet, numbers: Sequence[str]) -> bytes:
    """One landscape page per sheet number, each with its number and a QR code."""
    pdf = new_pdf(content.paper, title=content.title)
    pdf.set_auto_page_break(auto=False)
    for number in numbers:
        pdf.add_page(orientation="L")
        _sheet_page(pdf, content, number)
    return pdf.to_bytes()


def _sheet_page(pdf: Document, content: Sheet, number: str) -> None:
    qr_size = 28.0
    qr_x = pdf.w - pdf.r_margin - qr_size
    pdf.qr(tagged(content.address, content.source), x=qr_x, y=pdf.t_margin - 4, size=qr_size)
    pdf.set_right_margin(pdf.r_margin + qr_size + 4)
    pdf.heading(content.title, size=15, space=1)
    pdf.paragraph(f"{content.sheet_label} {number}  ·  {content.address}", size=10, space=1)
    pdf.paragraph(content.legend, size=8, space=1)
    pdf.set_right_margin(18)
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + qr_size))
    pdf.paragraph(content.consent, size=8, space=2)
    pdf.set_font(pdf.font_family, size=9)
    widths = tuple(width for _, width in content.columns)
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=8.5, headings_style=HEADINGS
    ) as table:
        heading = table.row()
        for label, _ in content.columns:
            heading.cell(label)
        for line in range(1, content.rows + 1):
            row = table.row()
            row.cell(str(line))
            for _ in content.columns[1:]:
                row.cell("")
