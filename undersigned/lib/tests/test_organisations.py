from __future__ import annotations

import pytest

from undersigned.lib.organisations import domains_match, normalise_name, website_host


def test_it_folds_case_punctuation_and_spacing() -> None:
    assert normalise_name("Free Trade-Union  «Solidarity»") == "free trade union solidarity"
    assert normalise_name("ПРОФСОЮЗ  «Сила»") == "профсоюз сила"


def test_website_host_drops_www_and_case() -> None:
    assert website_host("https://WWW.Union.org/about") == "union.org"
    assert website_host("not a url") == ""


@pytest.mark.parametrize(
    ("email", "url", "expected"),
    [
        ("anna@union.org", "https://union.org/", True),
        ("anna@union.org", "https://www.union.org/", True),
        ("anna@mail.union.org", "https://union.org/", True),
        ("anna@union.org", "https://kyiv.union.org/", True),
        ("anna@gmail.com", "https://union.org/", False),
        ("anna@notunion.org", "https://union.org/", False),
        ("anna@union.org", "", False),
    ],
)
def test_domains_match(email: str, url: str, expected: bool) -> None:
    assert domains_match(email, url) is expected
