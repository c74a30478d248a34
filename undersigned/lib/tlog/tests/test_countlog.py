from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from undersigned.lib.tlog import countlog
from undersigned.lib.tlog.countlog import CountLogError, Event

VERSION = "ab" * 32


def event(seq: int, kind: str, secret: bytes, number: int = 0) -> Event:
    return Event(
        "war-stop", seq, kind, VERSION, "2026-12-02T09", countlog.commitment(secret), number
    )


def test_an_entry_is_readable_text_and_round_trips() -> None:
    e = event(3, "counted", b"s")
    data = e.encode()
    assert data.decode().splitlines()[:4] == [
        "undersigned/count-event/v1",
        "statement war-stop",
        "seq 3",
        "event counted",
    ]
    assert Event.parse(data) == e
    paper = event(4, "paper", b"batch", number=120)
    assert Event.parse(paper.encode()).number == 120


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b.replace(b"seq 3", b"seq 03"),
        lambda b: b.replace(b"counted", b"signed"),
        lambda b: b + b"email someone@example.org\n",
        lambda b: b.replace(b"hour 2026-12-02T09", b"hour 2026-12-02T09:15"),
        lambda b: b.rstrip(b"\n"),
        lambda b: b.replace(b"statement", b"statement "),
        lambda b: b.replace(b"event counted\n", b""),
        lambda b: b"\xff" + b,
    ],
)
def test_malformed_or_non_canonical_entries_are_refused(mangle: object) -> None:
    data = event(3, "counted", b"s").encode()
    with pytest.raises(CountLogError):
        Event.parse(mangle(data))  # type: ignore[operator]


def test_the_hour_is_the_finest_time_an_entry_holds() -> None:
    moment = dt.datetime(2026, 12, 2, 9, 59, 59, tzinfo=dt.UTC)
    assert countlog.hour_of(moment) == "2026-12-02T09"
    with pytest.raises(CountLogError):
        dataclasses.replace(event(0, "counted", b"s"), hour="2026-12-02T09:59").encode()


def test_recount_is_counted_minus_removed_plus_released_and_paper() -> None:
    entries = [
        event(0, "counted", b"a"),
        event(1, "counted", b"b"),
        event(2, "counted", b"c"),
        event(3, "withdrawn", b"a"),
        event(4, "invalidated", b"b"),
        event(5, "released", b"d"),
        event(6, "paper", b"batch-1", number=40),
    ]
    tally = countlog.recount([e.encode() for e in entries], "war-stop")
    assert tally.count == 3 - 1 - 1 + 1 + 40
    assert (tally.counted, tally.withdrawn, tally.invalidated) == (3, 1, 1)


def test_an_undone_paper_batch_leaves_the_count_and_unverified_ones_are_counted_apart() -> None:
    entries = [
        event(0, "counted", b"a"),
        event(1, "paper", b"batch-1", number=40),
        event(2, "paper", b"batch-2", number=7),
        event(3, "unverified", b"u1"),
        event(4, "unverified", b"u2"),
        event(5, "paper-undone", b"batch-1", number=40),
        event(6, "invalidated", b"u1"),
    ]
    tally = countlog.recount([e.encode() for e in entries], "war-stop")
    assert (tally.count, tally.paper, tally.unverified) == (1 + 7, 7, 1)
    assert tally.invalidated == 0  # an unverified one's removal does not touch the total
    assert Event.parse(entries[5].encode()).number == 40


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([event(0, "counted", b"a"), event(2, "counted", b"b")], "says it is leaf 2"),
        ([event(0, "counted", b"a"), event(1, "counted", b"a")], "already counts"),
        ([event(0, "withdrawn", b"a")], "does not count"),
        ([event(0, "paper", b"p", 5), event(1, "paper", b"p", 5)], "out of turn"),
        ([event(0, "paper-undone", b"p", 5)], "out of turn"),
        ([event(0, "paper", b"p", 5), event(1, "paper-undone", b"p", 4)], "another number"),
        ([event(0, "unverified", b"u"), event(1, "counted", b"u")], "already counts"),
    ],
)
def test_an_incoherent_story_is_refused(entries: list[Event], message: str) -> None:
    with pytest.raises(CountLogError, match=message):
        countlog.recount([e.encode() for e in entries], "war-stop")


def test_a_leaf_of_another_statement_is_refused() -> None:
    other = dataclasses.replace(event(0, "counted", b"a"), statement="other")
    with pytest.raises(CountLogError, match="about 'other'"):
        countlog.recount([other.encode()], "war-stop")
