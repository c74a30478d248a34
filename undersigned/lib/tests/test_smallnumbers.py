from __future__ import annotations

from undersigned.lib.smallnumbers import is_small, protect, suppress


def test_counts_below_the_threshold_are_withheld_and_zero_is_shown() -> None:
    assert [suppress(n, 10) for n in (0, 1, 9, 10, 11)] == [0, None, None, 10, 11]
    assert is_small(3, 5) and not is_small(5, 5) and not is_small(0, 5)


def test_a_table_without_small_cells_is_shown_whole() -> None:
    assert protect({"UA": 40, "PL": 12}, 10) == {"UA": 40, "PL": 12}


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    # With the total published, PL alone withheld would be UA + DE + PL - UA - DE.
    table = protect({"UA": 500, "DE": 15, "PL": 3}, 10)
    assert table == {"UA": 500, "DE": None, "PL": None}


def test_small_cells_that_add_up_to_the_threshold_need_no_company() -> None:
    assert protect({"UA": 50, "PL": 6, "BY": 4}, 10) == {"UA": 50, "PL": None, "BY": None}


def test_cells_are_withheld_until_the_withheld_sum_reaches_the_threshold() -> None:
    table = protect({"UA": 50, "LT": 11, "PL": 2, "BY": 1}, 20)
    # 2 + 1 < 20, then + 11 = 14 < 20, then + 50.
    assert table == {"UA": None, "LT": None, "PL": None, "BY": None}


def test_no_shown_cell_can_be_worked_out_from_the_total() -> None:
    counts = {"UA": 120, "PL": 30, "DE": 14, "BY": 2, "LT": 9, "RU": 0}
    table = protect(counts, 10)
    withheld = [key for key, value in table.items() if value is None]
    assert set(withheld) >= {"BY", "LT"}
    assert sum(counts[key] for key in withheld) >= 10
    assert table["RU"] == 0 and table["UA"] == 120
