"""The one rule for what a signature adds to its statement's counters.

Every path that changes a signature (sign, confirm, withdraw, release, lower visibility,
erase, bulk invalidation and its undo) works out the signature's tally before and after
and moves the counter shards by the difference, in the same transaction. The same rule is
written once more, as SQL, for the hot path's one-statement writes (hotpath/) and as ORM
filters for reconciliation; tests check that the three agree on every combination.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from undersigned.lib.visibility import Level

CONFIRMED = "confirmed"
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Tally:
    counted: int = 0
    listed: int = 0
    unverified: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.counted + other.counted,
            self.listed + other.listed,
            self.unverified + other.unverified,
        )

    def __sub__(self, other: Tally) -> Tally:
        return Tally(
            self.counted - other.counted,
            self.listed - other.listed,
            self.unverified - other.unverified,
        )

    def __neg__(self) -> Tally:
        return Tally() - self

    def deltas(self) -> dict[str, int]:
        return {"counted": self.counted, "listed": self.listed, "unverified": self.unverified}


def tally(*, status: str, quarantined: bool, invalidated: bool, visibility: int) -> Tally:
    """Counted: confirmed, not quarantined, not invalidated. Listed: counted and shown.
    Unverified (signed without an email, where allowed): counted apart, while clean."""
    clean = not quarantined and not invalidated
    counted = status == CONFIRMED and clean
    return Tally(
        counted=int(counted),
        listed=int(counted and visibility < Level.HIDDEN),
        unverified=int(status == UNVERIFIED and clean),
    )


def total(tallies: Iterable[Tally]) -> Tally:
    result = Tally()
    for one in tallies:
        result += one
    return result


# The rule as ORM filters (reconciliation, the public list's index).
CLEAN_Q = Q(quarantined=False, invalidated_at__isnull=True)
COUNTED_Q = Q(counted=True)
LISTED_Q = Q(counted=True, visibility__lt=int(Level.HIDDEN))
UNVERIFIED_Q = Q(status=UNVERIFIED) & CLEAN_Q
# Held back by the abuse checks and still releasable by a moderator: not invalidated, not
# withdrawn, not erased. Also the condition of the quarantine_waiting index, so the
# moderators' list and its count read only these rows. Two `!=` rather than one NOT IN:
# SQLite matches a bound parameter to the index's condition in `status = ?`, not in a list.
QUARANTINED_Q = (
    Q(quarantined=True, invalidated_at__isnull=True) & ~Q(status="withdrawn") & ~Q(status="erased")
)

# The rule as SQL, for a row being confirmed (status becomes confirmed in the same UPDATE).
COUNTED_ON_CONFIRM_SQL = "(NOT quarantined AND invalidated_at IS NULL)"
LISTED_SQL = f"visibility < {int(Level.HIDDEN)}"
