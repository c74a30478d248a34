from __future__ import annotations

from pathlib import Path

import pytest

from undersigned.lib.statement_files import StatementFileError, parse

PRIMARY = """---
slug: stop-the-war
language: en
title: "Stop the war"
demands:
  - "Withdraw the troops"
  - "Free the prisoners"
goal: 500
opens: 2026-01-01
closes: 2027-01-01
languages: [en, uk]
---
We, the undersigned, **demand**.
"""
UK = """---
slug: stop-the-war
language: uk
title: "Зупиніть війну"
demands:
  - "Виведіть війська"
  - "Звільніть в'язнів"
---
Ми, що підписалися, **вимагаємо**.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_reads_a_statement_and_its_translation(tmp_path: Path) -> None:
    source = parse([write(tmp_path, "s.md", PRIMARY), write(tmp_path, "s.uk.md", UK)])
    assert source.slug == "stop-the-war" and source.goal == 500
    assert source.texts["uk"].demands[1] == "Звільніть в'язнів"
    assert source.texts["en"].body.startswith("We, the undersigned")


@pytest.mark.parametrize(
    ("replace", "by", "line", "message"),
    [
        ("goal: 500", "goal: lots", 8, "'goal' must be a positive number"),
        ("slug: stop-the-war", "slug: Stop The War", 2, "'slug' must be lower-case"),
        ("closes: 2027-01-01", "closes: 2025-01-01", 10, "'closes' must be after 'opens'"),
        ('title: "Stop the war"', "title: [unclosed", 5, "front matter"),
        ("languages: [en, uk]", "languages: [en, uk]\ncolour: red", 12, "unknown key 'colour'"),
    ],
)
def test_it_names_the_file_line_and_mistake(
    tmp_path: Path, replace: str, by: str, line: int, message: str
) -> None:
    path = write(tmp_path, "s.md", PRIMARY.replace(replace, by))
    with pytest.raises(StatementFileError) as caught:
        parse([path, write(tmp_path, "s.uk.md", UK)])
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert message in caught.value.message


def test_a_translation_must_match_the_number_of_demands(tmp_path: Path) -> None:
    uk = write(tmp_path, "s.uk.md", UK.replace('  - "Виведіть війська"\n', ""))
    with pytest.raises(StatementFileError, match="has 1 demands but the primary file has 2"):
        parse([write(tmp_path, "s.md", PRIMARY), uk])


def test_a_missing_translation_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StatementFileError, match="no file given for language"):
        parse([write(tmp_path, "s.md", PRIMARY)])


def test_a_file_without_front_matter_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StatementFileError, match="must start with a front matter"):
        parse([write(tmp_path, "s.md", "just text\n")])
