"""The checkers themselves: a page with known faults must fail them, or a green run means
nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import nu_errors, run_axe

BROKEN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>
<body><main><p style="color:#aaa;background:#fff">faint</p><input type="text">
<div><li>stray</li></div></main></body></html>"""


def test_axe_reports_an_unlabelled_field_and_poor_contrast(browser: Any) -> None:
    page = browser.new_page()
    page.set_content(BROKEN)
    found = {v["id"] for v in run_axe(page)}
    page.close()
    assert {"label", "color-contrast"} <= found


def test_the_nu_checker_reports_invalid_markup(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(BROKEN)
    errors = nu_errors([page])
    assert any("li" in e for e in errors), errors
