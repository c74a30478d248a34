"""Small numbers never leave the server (P9): the one place that turns counts into what the
public may see, for the page, the API, the SVGs, the share image and the embeds alike.

A count below the threshold (SUPPRESS_BELOW, default 10) is shown as "fewer than 10",
never as its figure. That is not enough on its own: a figure can also be worked out as a
difference of two published ones (a total minus the countries shown; a total minus the
timeline buckets shown). So published aggregates follow these rules.

1. A single count (the total, the unverified count, one version's count): its figure when
   at least the threshold, else "fewer than <threshold>" (`public_count`).

2. A breakdown of a total into named parts (countries, versions, kinds), `breakdown`:
   a. Hidden parts (the countries in STATS_HIDDEN_COUNTRIES) are never named; they count
      under "other".
   b. A part below the threshold is named as "fewer than <threshold>" and its figure
      counts under "other".
   c. "Other" is published as a figure (the total minus the parts shown exactly), so the
      table adds up. It must then be zero, or hold at least two parts, at least one of
      them not named (hidden or folded, so of unknown size), and be larger than every
      named small part at its largest: other >= threshold and other > k * (threshold - 1)
      for k parts named small. Until it is, the smallest part still shown exactly is
      folded into "other" and no longer named (secondary suppression). Then any value from
      1 to threshold - 1 of any named small part is consistent with what is published.
      Without (c), "other" alone would give away a single small or hidden part, and named
      small parts could be pinned by their sum (two parts "fewer than 10" that add up to
      18 are both 9; nine that add up to 9 with one hidden part are all 1).
   d. When everything has been folded, "other" is the total, which is public anyway; if
      it is still unsafe, the small parts are not named either. A total below the
      threshold publishes no breakdown at all.

3. A time series (signatures per hour, per day), `series`: adjacent buckets are merged,
   oldest first, until each published interval holds at least the threshold; a last
   interval that stays below it merges into the one before. Every published interval is
   then a figure of at least the threshold and they add up to the total, so no difference
   of published figures is small. A total below the threshold publishes no series.

   Two series of the same signatures at two resolutions (per day and per hour) are merged
   together, `nested_series`: the hourly intervals are merged within each published daily
   interval, so every daily interval is a sum of whole hourly ones, and a day minus the hours
   shown inside it is again a sum of intervals of at least the threshold. Merged on their
   own, an hourly interval could straddle midnight and a day minus it could be small.

What these rules do not cover: differences over time (two snapshots a minute apart differ
by whoever signed in that minute). The total is public and live by design (P2, P10), and
aggregates are cached for a minute or so, which coarsens but does not remove this.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

DEFAULT_THRESHOLD = 10


@dataclass(frozen=True)
class Figure:
    """A published count: `value` is the figure, or None for "fewer than `below`"."""

    value: int | None
    below: int

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def as_json(self) -> dict[str, int | None]:
        return {"value": self.value, "fewer_than": self.below if self.value is None else None}


def public_count(count: int, threshold: int = DEFAULT_THRESHOLD) -> Figure:
    """Rule 1: the figure when at least THRESHOLD, else "fewer than THRESHOLD"."""
    if count < threshold:
        return Figure(None, threshold)
    return Figure(count, threshold)


@dataclass
class Breakdown(Generic[K]):
    """What may be published of a breakdown: exact parts (largest first), the parts named
    as "fewer than" (by key), and "other" (everything else, as one figure)."""

    shown: list[tuple[K, int]] = field(default_factory=list)
    small: list[K] = field(default_factory=list)
    other: Figure = field(default_factory=lambda: Figure(0, DEFAULT_THRESHOLD))
    total: Figure = field(default_factory=lambda: Figure(0, DEFAULT_THRESHOLD))

    @property
    def withheld(self) -> bool:
        """Nothing but "fewer than" may be said of the whole (rule 2d)."""
        return self.total.suppressed


def breakdown(
    parts: Mapping[K, int],
    *,
    hidden: Iterable[K] = (),
    threshold: int = DEFAULT_THRESHOLD,
) -> Breakdown[K]:
    """Rule 2. PARTS are the exact counts (zero and negative parts are ignored); their sum
    is the total."""
    hidden_keys = set(hidden)
    present = {k: n for k, n in parts.items() if n > 0}
    total = sum(present.values())
    if total < threshold:
        return Breakdown(total=Figure(None, threshold), other=Figure(None, threshold))
    exact = sorted(
        ((k, n) for k, n in present.items() if k not in hidden_keys and n >= threshold),
        key=lambda item: (-item[1], str(item[0])),
    )
    small = sorted(
        (k for k, n in present.items() if k not in hidden_keys and n < threshold), key=str
    )
    unnamed = sum(1 for k in present if k in hidden_keys)  # hidden parts in "other"
    while exact and not _other_is_safe(
        total - sum(n for _, n in exact), len(small), unnamed, threshold
    ):
        exact.pop()  # the smallest exact part joins "other", unnamed
        unnamed += 1
    other = total - sum(n for _, n in exact)
    if not _other_is_safe(other, len(small), unnamed, threshold):
        small = []  # all folded and still unsafe: the small parts are not named either
    return Breakdown(
        shown=exact,
        small=small,
        other=Figure(other, threshold),
        total=Figure(total, threshold),
    )


def _other_is_safe(other: int, small: int, unnamed: int, threshold: int) -> bool:
    if other == 0:
        return True
    big_enough = other >= threshold and other > small * (threshold - 1)
    return big_enough and unnamed >= 1 and small + unnamed >= 2


@dataclass(frozen=True)
class Interval(Generic[T]):
    start: T
    end: T  # the start of the last bucket merged in (inclusive)
    count: int


def series(
    buckets: Sequence[tuple[T, int]], threshold: int = DEFAULT_THRESHOLD
) -> list[Interval[T]]:
    """Rule 3. BUCKETS are (start, count) in time order; empty buckets may be left out."""
    merged: list[Interval[T]] = []
    start: T | None = None
    running = 0
    last: T | None = None
    for when, count in buckets:
        if count <= 0:
            continue
        if start is None:
            start = when
        running += count
        last = when
        if running >= threshold:
            merged.append(Interval(start, when, running))
            start, running = None, 0
    if running and start is not None and last is not None:
        if not merged:
            return []  # the whole total is below the threshold
        previous = merged.pop()
        merged.append(Interval(previous.start, last, previous.count + running))
    return merged


def nested_series(
    fine: Sequence[tuple[T, int]], coarse_of: Callable[[T], T], threshold: int = DEFAULT_THRESHOLD
) -> tuple[list[Interval[T]], list[Interval[T]]]:
    """Rule 3 at two resolutions: (coarse intervals, fine intervals), FINE in time order and
    COARSE_OF mapping a fine bucket's start to its coarse bucket's start; every coarse
    interval is exactly a run of whole fine intervals."""
    totals: dict[T, int] = {}
    for when, count in fine:
        if count > 0:
            key = coarse_of(when)
            totals[key] = totals.get(key, 0) + count
    coarse = series(sorted(totals.items()), threshold)  # type: ignore[type-var]
    out: list[Interval[T]] = []
    position = 0
    for one in coarse:
        inside = []
        while position < len(fine) and coarse_of(fine[position][0]) <= one.end:  # type: ignore[operator]
            inside.append(fine[position])
            position += 1
        out.extend(series(inside, threshold))
    return coarse, out
