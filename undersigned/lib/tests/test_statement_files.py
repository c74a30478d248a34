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


@pytest.mark.parametrize("date", ["2026-13-45", "2027-02-30"])
def test_an_impossible_date_is_reported_with_its_line(tmp_path: Path, date: str) -> None:
    path = write(tmp_path, "s.md", PRIMARY.replace("closes: 2027-01-01", f"closes: {date}"))
    with pytest.raises(StatementFileError) as caught:
        parse([path, write(tmp_path, "s.uk.md", UK)])
    assert caught.value.line == 10
    assert (
        caught.value.message == f"'closes: {date}' is not a date; write a real date like 2026-12-31"
    )


def test_a_language_the_site_does_not_serve_is_named_with_the_allowed_ones(
    tmp_path: Path,
) -> None:
    uk = write(tmp_path, "s.uk.md", UK.replace("language: uk", "language: xx"))
    primary = write(tmp_path, "s.md", PRIMARY.replace("[en, uk]", "[en, xx]"))
    with pytest.raises(StatementFileError) as caught:
        parse([primary, uk], languages=["en", "uk", "ru"])
    assert (caught.value.path, caught.value.line) == (str(primary), 11)
    assert "xx is not among this site's languages (en, uk, ru)" in caught.value.message
    with pytest.raises(StatementFileError) as caught:
        parse([write(tmp_path, "p.md", PRIMARY), uk], languages=["en", "uk", "ru"])
    assert (caught.value.path, caught.value.line) == (str(uk), 3)
    assert "'language: xx' is not one of this site's languages (en, uk, ru)" in str(caught.value)


def test_an_unquoted_colon_suggests_quotes(tmp_path: Path) -> None:
    path = write(tmp_path, "s.md", PRIMARY.replace('"Stop the war"', "Stop the war: now"))
    with pytest.raises(StatementFileError) as caught:
        parse([path, write(tmp_path, "s.uk.md", UK)])
    assert caught.value.line == 4
    assert "must be in quotes" in caught.value.message


def test_a_missing_file_names_no_line(tmp_path: Path) -> None:
    with pytest.raises(StatementFileError) as caught:
        parse([tmp_path / "nowhere.md"])
    assert caught.value.line is None
    assert str(caught.value) == f"{tmp_path / 'nowhere.md'}: file not found"


def test_raw_html_is_accepted_with_a_warning_naming_the_line(tmp_path: Path) -> None:
    body = "We demand.\n\n<script>alert(1)</script>\n\nSee <img src=x onerror=alert(2)> here.\n"
    uk_body = UK.replace("Ми, що підписалися", '<iframe src="https://x.example"></iframe> Ми')
    source = parse(
        [
            write(
                tmp_path,
                "s.md",
                PRIMARY.replace("We, the undersigned, **demand**.\n", body),
            ),
            write(tmp_path, "s.uk.md", uk_body),
        ]
    )
    assert [w.split(": raw HTML")[0] for w in source.warnings] == [
        f"{tmp_path / 's.md'}, line 15",
        f"{tmp_path / 's.md'}, line 17",
        f"{tmp_path / 's.uk.md'}, line 9",
    ]
    assert "(<script>alert(1)</script>)" in source.warnings[0]
    assert "(<img src=x onerror=alert(2)>)" in source.warnings[1]
    assert '(<iframe src="https://x.example"></iframe> Ми' in source.warnings[2]
    assert source.warnings[0].endswith("the page shows it as plain text")


def test_markdown_without_html_gives_no_warning(tmp_path: Path) -> None:
    source = parse([write(tmp_path, "s.md", PRIMARY), write(tmp_path, "s.uk.md", UK)])
    assert source.warnings == []


def test_a_body_over_200_kb_is_refused(tmp_path: Path) -> None:
    big = PRIMARY + ("word " * 20 + "\n") * 2000
    with pytest.raises(StatementFileError) as caught:
        parse([write(tmp_path, "s.md", big), write(tmp_path, "s.uk.md", UK)])
    assert caught.value.line == 13
    assert "the text is 202 kB; a statement may have at most 200 kB" in caught.value.message
    fits = PRIMARY + ("word " * 20 + "\n") * 1900
    assert parse([write(tmp_path, "s.md", fits), write(tmp_path, "s.uk.md", UK)]).slug
