from __future__ import annotations

import unicodedata

import pytest

from undersigned.lib import emails, sealing

# The five spellings from issue 14: two real mailboxes, `same@exämple.org` and
# `same@example.org`.
UMLAUT = [
    "same@exämple.org",
    "same@xn--exmple-cua.org",
    unicodedata.normalize("NFD", "same@exämple.org"),
]
PLAIN = ["same@example.org", "same@ｅｘａｍｐｌｅ.org"]


def test_every_spelling_of_one_mailbox_has_one_digest() -> None:
    assert len({sealing.email_digest("k", 1, a) for a in UMLAUT}) == 1
    assert len({sealing.email_digest("k", 1, a) for a in PLAIN}) == 1
    assert sealing.email_digest("k", 1, UMLAUT[0]) != sealing.email_digest("k", 1, PLAIN[0])


@pytest.mark.parametrize(
    "spelling",
    [
        "Same@Example.ORG",
        " same@example.org. ",
        "same＠example.org",  # full-width at sign
        "same@example。org",  # ideographic full stop
        "ｓａｍｅ@example.org",  # full-width local part
    ],
)
def test_case_compatibility_forms_and_the_root_dot_are_one_mailbox(spelling: str) -> None:
    assert emails.normalise(spelling) == "same@example.org"


def test_the_domain_is_written_in_ascii() -> None:
    assert emails.normalise("same@exämple.org") == "same@xn--exmple-cua.org"
    assert emails.normalise("ivan@ПРИМЕР.рф") == "ivan@xn--e1afmkfd.xn--p1ai"


def test_dots_and_tags_are_left_alone() -> None:
    assert emails.normalise("a.b+tag@example.org") == "a.b+tag@example.org"


def test_an_invalid_domain_still_normalises_stably() -> None:
    assert emails.normalise("x@-bad-.org") == emails.normalise("X@-BAD-.org")
    assert emails.normalise("no-at-sign") == "no-at-sign"


def test_for_sending_keeps_the_local_part_and_maps_the_domain() -> None:
    assert emails.for_sending("Anna@ｅｘａｍｐｌｅ.org") == "Anna@example.org"
    assert emails.for_sending(UMLAUT[2]) == "same@xn--exmple-cua.org"
    assert emails.for_sending("Anna@Example.ORG") == "Anna@Example.ORG"
    assert emails.for_sending("anna@bad..org") is None
    assert emails.for_sending("@example.org") is None
