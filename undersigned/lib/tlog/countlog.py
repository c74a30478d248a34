"""The entries of a statement's count log, and the count recomputed from them.

An entry is a few lines of ASCII text, so that anyone can read a bundle with a hex dump:

    undersigned/count-event/v1
    statement <slug>
    seq <leaf index>
    event counted|withdrawn|invalidated|released|unverified|paper|paper-undone
    version <content hash of the primary-language text the signer's text says the same as>
    hour <YYYY-MM-DDTHH, UTC>
    commitment <hex SHA-256 of a per-signature secret>
    number <paper signatures in the batch>        (paper and paper-undone only)

Nothing in it names a signer: no email, no name, no keyed hash of either, no country, and
no time finer than the hour. The commitment lets a signer who holds its secret (a receipt)
find their own leaf, and lets anyone see that a withdrawal removes a signature that was
counted before. A paper batch's commitment stands for the batch (its undoing names the same
one); a signature without an email ("unverified") is counted apart, as the page shows it,
and a withdrawal or invalidation of one lowers that count, not the total.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

HEADER = "undersigned/count-event/v1"
ADDS = ("counted", "released")
REMOVES = ("withdrawn", "invalidated")
UNVERIFIED = "unverified"
PAPER = "paper"
PAPER_UNDONE = "paper-undone"
NUMBERED = (PAPER, PAPER_UNDONE)
EVENTS = (*ADDS, *REMOVES, UNVERIFIED, *NUMBERED)
REMOVED_UNVERIFIED = "unverified removed"  # a tally of recount's, never an event
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HOUR = re.compile(r"\d{4}-\d\d-\d\dT\d\d")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")
_FIELDS = ("statement", "seq", "event", "version", "hour", "commitment")


class CountLogError(ValueError):
    """An entry is malformed, or the entries do not add up to an honest count."""


def commitment(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def hour_of(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")


@dataclass(frozen=True)
class Event:
    statement: str
    seq: int
    event: str
    version: str
    hour: str
    commitment: str
    number: int = 0

    def encode(self) -> bytes:
        self.check()
        lines = [
            HEADER,
            f"statement {self.statement}",
            f"seq {self.seq}",
            f"event {self.event}",
            f"version {self.version}",
            f"hour {self.hour}",
            f"commitment {self.commitment}",
        ]
        if self.event in NUMBERED:
            lines.append(f"number {self.number}")
        return ("\n".join(lines) + "\n").encode("ascii")

    def check(self) -> None:
        ok = (
            _SLUG.fullmatch(self.statement)
            and self.seq >= 0
            and self.event in EVENTS
            and _HEX64.fullmatch(self.version)
            and _HOUR.fullmatch(self.hour)
            and _HEX64.fullmatch(self.commitment)
            and (self.number > 0 if self.event in NUMBERED else self.number == 0)
        )
        if not ok:
            raise CountLogError(f"malformed count event {self!r}")

    @classmethod
    def parse(cls, data: bytes) -> Event:
        try:
            lines = data.decode("ascii").split("\n")
        except UnicodeDecodeError as error:
            raise CountLogError("an entry is ASCII text") from error
        if lines[0] != HEADER or lines[-1] != "":
            raise CountLogError("not an undersigned count event")
        values = dict(line.partition(" ")[::2] for line in lines[1:-1])
        expected = _FIELDS + (("number",) if values.get("event") in NUMBERED else ())
        if tuple(values) != expected or len(lines) != len(expected) + 2:
            raise CountLogError("an entry has exactly the documented lines, in order")
        seq, number = values["seq"], values.get("number", "0")
        if not (seq.isdigit() and number.isdigit()) or str(int(seq)) != seq:
            raise CountLogError("bad number in an entry")
        event = cls(
            values["statement"], int(seq), values["event"], values["version"],
            values["hour"], values["commitment"], int(number),
        )  # fmt: skip
        event.check()
        if event.encode() != data:
            raise CountLogError("an entry is not in canonical form")
        return event


@dataclass(frozen=True)
class Tally:
    """The count (counted - withdrawn - invalidated + released + paper, where withdrawn and
    invalidated are of signatures with an email and paper is net of undone batches) and,
    apart, the unverified signatures that still count."""

    count: int
    counted: int
    withdrawn: int
    invalidated: int
    released: int
    paper: int
    unverified: int = 0


def recount(entries: Sequence[bytes], statement: str) -> Tally:
    """The count the log proves, and the unverified count beside it.

    Also checks that the log tells a coherent story: leaf N says it is leaf N, every leaf is
    about this statement, a signature is only removed while it counts and only added while it
    does not, and a paper batch is undone only while it counts, by its own number.
    """
    live: dict[str, str] = {}
    papers: dict[str, int] = {}
    totals = dict.fromkeys((*EVENTS, REMOVED_UNVERIFIED), 0)
    for index, data in enumerate(entries):
        event = Event.parse(data)
        if event.seq != index:
            raise CountLogError(f"leaf {index} says it is leaf {event.seq}")
        if event.statement != statement:
            raise CountLogError(f"leaf {index} is about {event.statement!r}, not {statement!r}")
        kind = _apply(event, index, live, papers)
        totals[kind] += event.number if event.event in NUMBERED else 1
    paper = totals[PAPER] - totals[PAPER_UNDONE]
    count = (
        totals["counted"] - totals["withdrawn"] - totals["invalidated"]
        + totals["released"] + paper
    )  # fmt: skip
    unverified = sum(1 for kind in live.values() if kind == UNVERIFIED)
    return Tally(
        count, totals["counted"], totals["withdrawn"], totals["invalidated"],
        totals["released"], paper, unverified,
    )  # fmt: skip


def _apply(event: Event, index: int, live: dict[str, str], papers: dict[str, int]) -> str:
    """Apply EVENT to what counts; the total it moves (an unverified one's removal moves
    none of the total's)."""
    if event.event in NUMBERED:
        if (event.event == PAPER) == (event.commitment in papers):
            raise CountLogError(f"leaf {index} adds or undoes a paper batch out of turn")
        if event.event == PAPER:
            papers[event.commitment] = event.number
        elif papers.pop(event.commitment) != event.number:
            raise CountLogError(f"leaf {index} undoes a paper batch by another number")
        return event.event
    if event.event in REMOVES:
        if event.commitment not in live:
            raise CountLogError(f"leaf {index} removes a signature that does not count")
        return event.event if live.pop(event.commitment) != UNVERIFIED else REMOVED_UNVERIFIED
    if event.commitment in live:
        raise CountLogError(f"leaf {index} counts a signature that already counts")
    live[event.commitment] = UNVERIFIED if event.event == UNVERIFIED else "counted"
    return event.event
