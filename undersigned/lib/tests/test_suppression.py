from __future__ import annotations

import itertools
import random

from undersigned.lib.suppression import (
    Breakdown,
    Figure,
    Interval,
    breakdown,
    nested_series,
    public_count,
    series,
)

T = 10


def test_a_count_below_the_threshold_has_no_figure() -> None:
    assert public_count(9) == Figure(None, 10)
    assert public_count(0).suppressed
    assert public_count(10) == Figure(10, 10)
    assert public_count(4, threshold=5) == Figure(None, 5)


def test_it_says_fewer_than_in_json() -> None:
    assert public_count(3).as_json() == {"value": None, "fewer_than": 10}
    assert public_count(33).as_json() == {"value": 33, "fewer_than": None}


def test_three_from_one_country_and_thirty_from_another() -> None:
    found = breakdown({"UA": 30, "PL": 3})
    # UA shown as 30 next to a total of 33 would give PL away, so UA folds into "other".
    assert found.shown == []
    assert found.small == ["PL"]
    assert found.other == Figure(33, T)
    assert found.total == Figure(33, T)


def test_big_parts_stay_exact_when_other_is_safe() -> None:
    found = breakdown({"UA": 300, "DE": 40, "PL": 25, "FR": 3})
    assert found.shown == [("UA", 300), ("DE", 40)]
    assert found.small == ["FR"]
    assert found.other == Figure(28, T)


def test_no_suppression_without_small_parts() -> None:
    found = breakdown({"UA": 30, "PL": 12})
    assert found.shown == [("UA", 30), ("PL", 12)]
    assert found.small == []
    assert found.other == Figure(0, T)


def test_hidden_countries_are_never_named() -> None:
    found = breakdown({"UA": 300, "RU": 50, "DE": 40}, hidden={"RU"})
    keys = [k for k, _ in found.shown] + found.small
    assert "RU" not in keys
    # RU alone in "other" would be RU's figure: the smallest shown part joins it.
    assert found.shown == [("UA", 300)]
    assert found.other == Figure(90, T)


def test_a_small_total_publishes_nothing() -> None:
    found = breakdown({"UA": 5, "PL": 3})
    assert found.withheld
    assert found == Breakdown(total=Figure(None, T), other=Figure(None, T))


def _pinned(found: Breakdown[str], threshold: int) -> list[str]:
    """Named small parts whose value an observer could narrow below 1..threshold-1, from
    the published figures (other = sum of named small parts + unnamed parts, each >= 1)."""
    k = len(found.small)
    if not k:
        return []
    other = found.other.value
    assert other is not None
    # Each small part's extremes must be feasible with the others at 1 and at least one
    # unnamed part of at least 1 taking the rest.
    low_ok = other - 1 - (k - 1) * 1 >= 1
    high_ok = other - (threshold - 1) - (k - 1) * (threshold - 1) >= 1
    return [] if (low_ok and high_ok) else list(found.small)


def test_no_named_small_part_can_be_pinned_by_the_published_figures() -> None:
    rng = random.Random(15)
    for _ in range(4000):
        threshold = rng.choice([2, 5, 10])
        keys = [f"C{i}" for i in range(rng.randint(1, 12))]
        parts = {k: rng.choice([rng.randint(1, threshold - 1), rng.randint(1, 80)]) for k in keys}
        hidden = {k for k in keys if rng.random() < 0.15}
        found = breakdown(parts, hidden=hidden, threshold=threshold)
        if found.withheld:
            assert sum(parts.values()) < threshold
            continue
        assert all(n >= threshold for _, n in found.shown)
        assert not hidden & ({k for k, _ in found.shown} | set(found.small))
        assert sum(n for _, n in found.shown) + (found.other.value or 0) == sum(parts.values())
        other = found.other.value
        assert other is not None and (other == 0 or other >= threshold)
        assert not _pinned(found, threshold), (parts, hidden, found)


def test_a_series_merges_small_buckets_forward() -> None:
    merged = series([(1, 3), (2, 4), (3, 5), (4, 20), (5, 2)])
    assert merged == [Interval(1, 3, 12), Interval(4, 5, 22)]


def test_a_series_never_publishes_a_small_figure() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        buckets = [(i, rng.choice([0, 1, 2, 5, 9, 15, 40])) for i in range(rng.randint(0, 30))]
        merged = series(buckets)
        total = sum(n for _, n in buckets)
        if total < T:
            assert merged == []
            continue
        assert all(i.count >= T for i in merged)
        assert sum(i.count for i in merged) == total
        # Intervals cover the buckets in order, without overlap.
        for one, two in itertools.pairwise(merged):
            assert one.end < two.start


def test_a_small_series_is_withheld() -> None:
    assert series([(1, 3), (2, 4)]) == []


def test_hours_are_merged_within_the_published_days() -> None:
    # Day 1: 12 at 00h and 8 at 22h; day 2: 15 at 01h. Merged on their own, the hours
    # would be [00h: 12], [22h..01h: 23], and day 1 (20) minus 12 would give away the 8.
    hours = [(100, 12), (122, 8), (201, 15)]
    days, merged = nested_series(hours, lambda h: h // 100 * 100)
    assert days == [Interval(100, 100, 20), Interval(200, 200, 15)]
    assert merged == [Interval(100, 122, 20), Interval(201, 201, 15)]


def test_nested_series_never_leaves_a_small_difference() -> None:
    rng = random.Random(3)
    for _ in range(1000):
        hours = sorted(
            {
                rng.randint(0, 4) * 100 + rng.randint(0, 23): rng.choice([1, 3, 8, 12, 30])
                for _ in range(rng.randint(0, 15))
            }.items()
        )
        days, merged = nested_series(hours, lambda h: h // 100 * 100)
        for day in days:
            inside = [m for m in merged if day.start <= m.start // 100 * 100 <= day.end]
            assert sum(m.count for m in inside) == day.count
            assert all(m.count >= T for m in inside)
            assert all(day.start <= m.end // 100 * 100 <= day.end for m in inside)
