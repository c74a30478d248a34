"""The small-number rule (P9): no published count below a threshold, not even by difference.

Framework-free. A count from 1 to BELOW - 1 is withheld ("fewer than 10"): in a small
country a handful of signers can be named by those who know them. Zero is shown: it is
nobody. Withholding one cell of a table whose total is published would give it away by
subtraction, so more cells are withheld (the smallest first) until what is withheld adds up
to at least BELOW, or nothing is left to withhold (statisticians call it secondary
suppression).
"""

from __future__ import annotations

from collections.abc import Mapping


def is_small(count: int, below: int) -> bool:
    return 0 < count < below


def suppress(count: int, below: int) -> int | None:
    """COUNT, or None where it must be withheld."""
    return None if is_small(count, below) else count


def protect(counts: Mapping[str, int], below: int) -> dict[str, int | None]:
    """The cells of a table whose total is published; None marks a withheld cell.

    Keys keep their order. The withheld cells together hold at least BELOW (or are all
    the cells), so no one of them can be found from the total and the cells shown.
    """
    withheld = {key for key, count in counts.items() if is_small(count, below)}
    shown = sorted(
        (count, key) for key, count in counts.items() if key not in withheld and count > 0
    )
    while withheld and sum(counts[key] for key in withheld) < below and shown:
        withheld.add(shown.pop(0)[1])
    return {key: None if key in withheld else count for key, count in counts.items()}
