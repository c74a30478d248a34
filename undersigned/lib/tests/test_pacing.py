from __future__ import annotations

import pytest

from undersigned.lib import pacing
from undersigned.lib.pacing import Pace


def test_the_fast_outcome_waits_for_the_difference_of_the_medians(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(pacing.time, "sleep", slept.append)
    pace = Pace()
    assert pace.wait(0.002) == 0.0, "nothing to match yet"
    for seconds in (0.006, 0.007, 0.008):
        pace.record(seconds)
    assert pace.wait(0.002) == pytest.approx(0.005)
    assert slept == [pytest.approx(0.005)]


def test_no_wait_when_the_other_outcome_is_not_slower_or_the_gap_is_tiny(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pacing.time, "sleep", lambda seconds: None)
    pace = Pace()
    pace.record(0.002)
    assert pace.wait(0.003) == 0.0
    pace = Pace()
    pace.record(0.0021)
    assert pace.wait(0.002) == 0.0, "under half a millisecond a sleep overshoots"
