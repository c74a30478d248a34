from __future__ import annotations

import time

from undersigned.lib.memo import ProcessMemo


def test_a_value_is_kept_for_its_seconds_then_forgotten() -> None:
    memo = ProcessMemo(0.05)
    memo.set("k", "v")
    assert memo.get("k") == "v"
    time.sleep(0.06)
    assert memo.get("k") is None


def test_forget_and_clear_drop_values_at_once() -> None:
    memo = ProcessMemo(60)
    memo.set("a", 1)
    memo.set("b", 2)
    memo.forget("a")
    assert (memo.get("a"), memo.get("b")) == (None, 2)
    memo.clear()
    assert memo.get("b") is None


def test_zero_seconds_keeps_nothing() -> None:
    memo = ProcessMemo(0)
    memo.set("k", "v")
    assert memo.get("k") is None


def test_a_flood_of_keys_cannot_grow_it_without_bound() -> None:
    memo = ProcessMemo(60)
    for i in range(5000):
        memo.set(f"slug-{i}", i)
    assert len(memo._items) <= 1001
