"""Writing signer lists on the organisers' own machine: CSV, JSON and XLSX.

Framework-free: the export command opens the sealed records and hands plain dicts here.
Every writer gets the same columns; text cells are guarded against formula injection in
CSV and XLSX, because spreadsheets run a cell that starts with "=" as a formula.

Every writer streams: it writes each row as the iterable gives it and keeps none, so a
million signers take as little memory as ten. A summary that counts the rows is therefore
a callable, asked for once the rows are written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from undersigned.lib import visibility as visibility_rule

# Characters with which a spreadsheet starts a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FULL_COLUMNS = [
    "name",
    "email",
    "country",
    "city",
    "affiliation",
    "visibility",
    "status",
    "counted",
    "consent",
    "language",
    "version",
    "signed_at",
    "confirmed_at",
    # "online" or "paper"; a paper signer's sheet number and import batch.
    "source",
    "sheet",
    "batch",
]
TARGET_COLUMNS = ["name", "country", "city", "affiliation"]
FORMATS = ("csv", "json", "xlsx")


def guard_cell(value: Any) -> Any:
    """Prefix ' to text a spreadsheet would read as a formula; leave other values alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def for_target(record: dict[str, Any], visibility: int) -> dict[str, str] | None:
    """What a signer made public, for handing to the statement's target; None if nothing
    (the caller counts them). The rule is lib/visibility.py's, as on the page."""
    return visibility_rule.shown(
        visibility,
        name=record["name"],
        city=record.get("city", ""),
        affiliation=record.get("affiliation", ""),
        country=record["country"],
    )


def write_csv(rows: Iterable[dict[str, Any]], columns: list[str], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: guard_cell(row.get(k, "")) for k in columns})


Summary = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def _summary(summary: Summary) -> Mapping[str, Any]:
    return summary() if callable(summary) else summary


def write_json(
    rows: Iterable[dict[str, Any]], columns: list[str], out: IO[str], summary: Summary
) -> None:
    """One object: the signatures (one per line), then the summary's keys."""
    # JSON is data, not a spreadsheet: values are written exactly as entered.
    out.write('{"signatures": [')
    separator = "\n"
    for row in rows:
        out.write(separator + json.dumps({k: row.get(k, "") for k in columns}, ensure_ascii=False))
        separator = ",\n"
    out.write("\n]")
    for key, value in _summary(summary).items():
        out.write(f",\n{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    out.write("}\n")


def write_xlsx(
    rows: Iterable[dict[str, Any]], columns: list[str], path: str, summary: Summary
) -> None:
    from openpyxl import Workbook

    # Write-only: openpyxl streams the rows to a temporary file instead of keeping cells.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("signatures")
    sheet.append(columns)
    try:
        for row in rows:
            sheet.append([_xlsx_cell(row.get(k, "")) for k in columns])
    except BaseException:
        # Stopped halfway: finish and remove the temporary file the rows went to.
        sheet.close()
        sheet._writer.cleanup()
        raise
    about = book.create_sheet("summary")
    for key, value in _summary(summary).items():
        about.append([key, _xlsx_cell(value)])
    book.save(path)


def _xlsx_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    return guard_cell(str(value))
