from __future__ import annotations

import csv
import io

import pytest

from undersigned.lib import exports


@pytest.mark.parametrize(
    ("value", "guarded"),
    [
        ("=1+2", "'=1+2"),
        ("+7 999", "'+7 999"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Anna", "Anna"),
        ("a=b", "a=b"),
        ("", ""),
        (3, 3),
        (True, True),
    ],
)
def test_guard_cell(value: object, guarded: object) -> None:
    assert exports.guard_cell(value) == guarded


RECORD = {"name": "Anna Maria Kovalenko", "country": "UA", "city": "Lviv", "affiliation": "U"}


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        (1, {"name": "Anna Maria Kovalenko", "country": "UA", "city": "Lviv", "affiliation": "U"}),
        (2, {"name": "Anna Maria Kovalenko", "country": "", "city": "", "affiliation": ""}),
        (3, {"name": "A.M.K.", "country": "UA", "city": "", "affiliation": ""}),
        (4, None),
    ],
)
def test_for_target_keeps_only_the_public_part(visibility: int, expected: object) -> None:
    assert exports.for_target(RECORD, visibility) == expected


def test_csv_writes_the_columns_in_order_and_guards() -> None:
    out = io.StringIO()
    exports.write_csv([{"name": "=cmd", "country": "UA", "x": "ignored"}], ["name", "country"], out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["name", "country"], ["'=cmd", "UA"]]
