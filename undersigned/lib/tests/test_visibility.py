"""The initials rule against the vectors seal.js is tested with too (initials.json)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from undersigned.lib.visibility import initials, shortest_name_bytes, well_formed_initials

VECTORS = json.loads((Path(__file__).parent / "initials.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", VECTORS["initials"], ids=lambda case: case["initials"] or "-")
def test_initials_follow_the_shared_vectors(case: dict[str, str]) -> None:
    # As the sign form keeps the name: NFC, stripped (LineField).
    name = unicodedata.normalize("NFC", case["name"].strip())
    assert initials(name) == case["initials"]


def test_what_the_rule_makes_is_well_formed() -> None:
    made = [case["initials"] for case in VECTORS["initials"] if case["initials"]]
    assert all(well_formed_initials(text) for text in made)
    assert all(well_formed_initials(text) for text in VECTORS["well_formed"])
    assert not any(well_formed_initials(text) for text in VECTORS["malformed"])


def test_the_shortest_name_for_initials_is_counted_in_bytes() -> None:
    assert shortest_name_bytes("A.K.") == len("A K")
    assert shortest_name_bytes("О.К.") == len("О К".encode())
    assert shortest_name_bytes("A.") == 1
