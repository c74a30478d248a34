from __future__ import annotations

from types import SimpleNamespace

import pytest

from undersigned.lib import memo as memo_module
from undersigned.lib.memo import ProcessMemo


def test_a_value_is_kept_for_its_seconds_then_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]  # a clock the test moves, so a stalled machine cannot expire it early
    monkeypatch.setattr(memo_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    memo = ProcessMemo(1.0)
    memo.set("k", "v")
    now[0] += 0.99
    assert memo.get("k") == "v"
    now[0] += 0.01
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
