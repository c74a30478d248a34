from __future__ import annotations

import pytest

from undersigned.lib import sourcetags

SECRET = "server secret"


def test_a_tag_the_site_issued_reads_back() -> None:
    value = sourcetags.issue(SECRET, "picket-kyiv")
    assert value.startswith("picket-kyiv.") and len(value) == len("picket-kyiv.") + 8
    assert sourcetags.read(SECRET, value) == "picket-kyiv"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "flyer",
        "flyer.",
        "flyer.aaaaaaaa",
        "Flyer.aaaaaaaa",
        "x" * 200,
        "a b.aaaaaaaa",
        "flyer.éééééééé",  # compare_digest raised TypeError on non-ASCII: a 500
    ],
)
def test_anything_else_reads_as_no_tag(value: str) -> None:
    assert sourcetags.read(SECRET, value) == ""


def test_a_tag_made_with_another_secret_or_changed_is_refused() -> None:
    value = sourcetags.issue("another secret", "flyer")
    assert sourcetags.read(SECRET, value) == ""
    good = sourcetags.issue(SECRET, "flyer")
    assert sourcetags.read(SECRET, "flyes" + good[5:]) == ""


@pytest.mark.parametrize("tag", ["", "-a", "a-", "A", "a_b", "a" * 33, "кв"])
def test_only_short_slugs_can_be_issued(tag: str) -> None:
    with pytest.raises(ValueError, match="source tag"):
        sourcetags.issue(SECRET, tag)
