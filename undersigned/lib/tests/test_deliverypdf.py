from __future__ import annotations

import io

import pypdf

from undersigned.lib import deliverypdf
from undersigned.lib.deliverypdf import Report, Text

LABELS = {
    key: key.upper()
    for key in [
        "counts",
        "figure",
        "count",
        "by_country",
        "small_numbers",
        "country",
        "organisations",
        "no_organisations",
        "organisation",
        "kind",
        "website",
        "signers",
        "signers_note",
        "earlier_versions",
        "language",
        "date",
        "title",
    ]
} | {"version": "Version {number} in {language}, {date}"}
TITLES = {"en": "Stop the war", "uk": "Зупиніть війну", "ru": "Остановите войну"}


def report(**changes: object) -> Report:
    fields: dict[str, object] = {
        "title": TITLES["en"],
        "address": "https://example.org/stop-the-war/",
        "labels": LABELS,
        "texts": [
            Text(lang, 2, title, [f"Demand {lang}"], f"Body {lang}", "2026-11-02", "ab" * 32)
            for lang, title in TITLES.items()
        ]
        + [Text("en", 1, "Stop it", ["Old"], "Old body", "2026-10-01", "cd" * 32, False)],
        "figures": [("Confirmed online", "180"), ("On paper", "20")],
        "by_country": [("Ukraine", "150"), ("Poland", "fewer than 10")],
        "organisations": [("Ukraine", [("Free Union", "Trade union", "https://u.example")])],
        "signers": [("Olena Bondar", "Ukraine", "Kharkiv", "Teachers")],
        "signer_columns": ("Name", "Country", "City", "Affiliation"),
    }
    return Report(**(fields | changes))  # type: ignore[arg-type]


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_it_holds_every_language_counts_organisations_and_signers() -> None:
    text = text_of(deliverypdf.render(report()))
    for title in TITLES.values():
        assert title in text
    for phrase in ("Body uk", "Demand ru", "Version 2 in uk, 2026-11-02", "ab" * 32):
        assert phrase in text
    for phrase in ("Confirmed online", "180", "Poland", "fewer than 10", "Free Union"):
        assert phrase in text
    assert "Olena Bondar" in text and "Kharkiv" in text
    # Earlier versions are listed with their date and hash, not printed in full.
    assert "Stop it" in text and "cd" * 8 in text and "Old body" not in text


def test_a_public_report_has_no_signers_section() -> None:
    text = text_of(deliverypdf.render(report(signers=None)))
    assert "SIGNERS" not in text and "Olena" not in text
    assert "Free Union" in text


def test_no_organisations_says_so() -> None:
    text = text_of(deliverypdf.render(report(organisations=[])))
    assert "NO_ORGANISATIONS" in text
