"""`undersigned import`: every mistake named by file and line, warnings for raw HTML."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from undersigned.statements.models import Statement
from undersigned.test import TEST_KEYS

pytestmark = pytest.mark.django_db

PRIMARY = """---
slug: stop-the-war
language: en
title: "Stop the war"
demands:
  - "Withdraw the troops"
closes: 2027-01-01
languages: [en, uk]
---
We, the undersigned, demand.
"""
UK = """---
slug: stop-the-war
language: uk
title: "Зупиніть війну"
demands:
  - "Виведіть війська"
---
Ми вимагаємо.
"""


def files(tmp_path: Path, primary: str = PRIMARY, uk: str = UK) -> list[Path]:
    (tmp_path / "s.md").write_text(primary, encoding="utf-8")
    (tmp_path / "s.uk.md").write_text(uk, encoding="utf-8")
    return [tmp_path / "s.md", tmp_path / "s.uk.md"]


def run_import(paths: list[Path]) -> str:
    out = io.StringIO()
    call_command("import", *map(str, paths), public_key=None, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("date", ["2026-13-45", "2027-02-30"])
def test_an_impossible_date_is_one_line_with_file_and_line(tmp_path: Path, date: str) -> None:
    paths = files(tmp_path, PRIMARY.replace("2027-01-01", date))
    with pytest.raises(CommandError) as caught:
        run_import(paths)
    assert str(caught.value) == (
        f"{paths[0]}, line 7: 'closes: {date}' is not a date; write a real date like 2026-12-31"
    )
    assert not Statement.objects.exists()


def test_a_language_the_site_lacks_names_file_line_and_the_allowed_ones(tmp_path: Path) -> None:
    paths = files(tmp_path, uk=UK.replace("language: uk", "language: xx"))
    with pytest.raises(CommandError) as caught:
        run_import(paths)
    assert str(caught.value) == (
        f"{paths[1]}, line 3: 'language: xx' is not one of this site's languages (en, uk, ru)"
    )


def test_a_missing_file_says_so_without_a_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        run_import([tmp_path / "missing.md"])
    assert str(caught.value) == f"{tmp_path / 'missing.md'}: file not found"


def test_raw_html_is_imported_with_a_warning(tmp_path: Path) -> None:
    paths = files(tmp_path, PRIMARY.replace("demand.", "demand <script>alert(1)</script>."))
    out = run_import(paths)
    assert f"Warning: {paths[0]}, line 10: raw HTML (<script>) is not used" in out
    assert Statement.objects.get().slug == "stop-the-war"


def test_a_clean_import_with_a_key_prints_no_warning(tmp_path: Path) -> None:
    key = tmp_path / "organisers.pub"
    key.write_text(TEST_KEYS[0])
    out = io.StringIO()
    call_command("import", *map(str, files(tmp_path)), public_key=key, stdout=out)
    assert "Warning" not in out.getvalue() and "no organisers' public key" not in out.getvalue()
    assert Statement.objects.get().public_key == TEST_KEYS[0]
