"""The delivery PDF: the statement in every language, who endorsed it, and how many signed.

Framework-free. The caller gathers plain data, already translated and already stripped to
what may be shown (names only where signers made them public, small counts withheld), and
this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from undersigned.lib.pdfdoc import Document, new_pdf


@dataclass(frozen=True)
class Text:
    language: str
    number: int
    title: str
    demands: Sequence[str]
    body: str
    dated: str
    content_hash: str
    current: bool = True


@dataclass(frozen=True)
class Report:
    title: str
    address: str
    # Headings and phrases, translated by the caller (see statements/package.py).
    labels: dict[str, str]
    texts: Sequence[Text]
    # (label, value as shown) for the totals, for each country and each version read.
    figures: Sequence[tuple[str, str]]
    by_country: Sequence[tuple[str, str]]
    # (country, [(organisation, kind, website)]), countries in order.
    organisations: Sequence[tuple[str, Sequence[tuple[str, str, str]]]]
    # Each signer as they chose to be shown; None in a public package (no names at all).
    signers: Sequence[Sequence[str]] | None = None
    signer_columns: Sequence[str] = field(default_factory=tuple)
    by_version: Sequence[tuple[str, str]] = field(default_factory=tuple)
    about: Sequence[str] = field(default_factory=tuple)
    # Wraps the signer rows as they are laid out (a progress bar on a terminal).
    progress: Callable[[Sequence[Sequence[str]]], Iterable[Sequence[str]]] = lambda rows: rows


def render(report: Report) -> bytes:
    pdf = new_pdf("a4", title=report.title, footer=report.address)
    pdf.add_page()
    pdf.heading(report.title, size=22, space=2)
    pdf.paragraph(report.address, size=10)
    for line in report.about:
        pdf.paragraph(line, size=10, space=0)
    pdf.ln(4)
    _counts(pdf, report)
    _texts(pdf, report)
    pdf.add_page()
    _organisations(pdf, report)
    if report.signers is not None:
        _signers(pdf, report, report.signers)
    _earlier(pdf, report)
    return pdf.to_bytes()


def _counts(pdf: Document, report: Report) -> None:
    labels = report.labels
    pdf.heading(labels["counts"], size=15)
    pdf.grid([labels["figure"], labels["count"]], report.figures, widths=(3, 1))
    if report.by_country:
        pdf.heading(labels["by_country"], size=13)
        pdf.paragraph(labels["small_numbers"], size=9)
        pdf.grid([labels["country"], labels["count"]], report.by_country, widths=(3, 1))
    if report.by_version:
        pdf.heading(labels["by_version"], size=13)
        pdf.grid([labels["version_read"], labels["count"]], report.by_version, widths=(3, 1))


def _organisations(pdf: Document, report: Report) -> None:
    labels = report.labels
    pdf.heading(labels["organisations"], size=15)
    if not report.organisations:
        pdf.paragraph(labels["no_organisations"])
        return
    for country, members in report.organisations:
        pdf.heading(country, size=12, space=1)
        rows = [(name, kind, website) for name, kind, website in members]
        pdf.grid([labels["organisation"], labels["kind"], labels["website"]], rows, (4, 2, 3))


def _signers(pdf: Document, report: Report, signers: Sequence[Sequence[str]]) -> None:
    labels = report.labels
    pdf.add_page()
    pdf.heading(labels["signers"], size=15)
    pdf.paragraph(labels["signers_note"], size=9)
    widths = (4, 2, 3, 4, 2)[: len(report.signer_columns)]
    if signers:
        pdf.grid(report.signer_columns, report.progress(signers), widths)


def _texts(pdf: Document, report: Report) -> None:
    labels = report.labels
    for text in report.texts:
        if not text.current:
            continue
        pdf.add_page()
        pdf.heading(text.title, size=18)
        version = labels["version"].format(
            language=text.language, number=text.number, date=text.dated
        )
        pdf.paragraph(f"{version}\nSHA-256 {text.content_hash}", size=8)
        pdf.bullets(text.demands)
        pdf.ln(2)
        pdf.paragraph(text.body)


def _earlier(pdf: Document, report: Report) -> None:
    labels = report.labels
    earlier = [t for t in report.texts if not t.current]
    if earlier:
        pdf.add_page()
        pdf.heading(labels["earlier_versions"], size=15)
        rows = [(t.language, str(t.number), t.dated, t.title, t.content_hash[:16]) for t in earlier]
        header = [labels["language"], "№", labels["date"], labels["title"], "SHA-256"]
        pdf.grid(header, rows, (1, 1, 2, 5, 3))
