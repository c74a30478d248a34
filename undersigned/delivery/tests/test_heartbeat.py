"""The worker's heartbeat: written each loop, read by the dashboard, never fatal."""

from __future__ import annotations

from typing import Any
from unittest import mock

from undersigned.delivery import heartbeat
from undersigned.statements import caches


def test_a_beat_is_read_back() -> None:
    heartbeat.beat(now=1234.5)
    assert heartbeat.last_beat() == 1234.5


def test_a_cache_that_fails_neither_stops_the_worker_nor_the_dashboard(caplog: Any) -> None:
    with mock.patch.object(caches, "cache") as broken:
        broken.set.side_effect = ConnectionError("down")
        broken.get.side_effect = ConnectionError("down")
        heartbeat.beat()
        assert heartbeat.last_beat() is None
    assert "heartbeat not written: ConnectionError" in caplog.text
