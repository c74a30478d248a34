"""Four times the sign capacity for 20 s: every request answered within 2 s, as a signature
acknowledged (302) or refused with 503 + Retry-After (never a timeout, never a 500), every
acknowledged signature in the database, and signing back within a second (issue 14).

The real server (`undersigned serve`, granian, two workers) on loopback, against SQLite, or
against PostgreSQL + Redis when the suite runs with DATABASE_URL (`make test` does both).
The email worker is not started: what is measured is the sign path, and every email job
is checked in the database with its signature. The figures are printed.
"""

from __future__ import annotations

import json
import os

import pytest

from undersigned.test import LiveSite, Mailbox, postgres_url
from undersigned.test.chaos import CHAOS_LIMITS, VERIFY, shell
from undersigned.test.overload import SLUG, Figures, run

RATIO, SECONDS = 4.0, 20.0
ANSWER_WITHIN, RECOVER_WITHIN = 2.0, 1.0
LAG_WITHIN = 0.5  # how late the client may send, at the 99th percentile


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/0"
    )


def site_env() -> dict[str, str]:
    env = {**CHAOS_LIMITS, "LOG_LEVEL": "WARNING"}
    if postgres_url():
        try:
            import redis

            redis.Redis.from_url(redis_url(), socket_connect_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001 - any failure means: no Redis here
            pytest.skip(f"Redis is not reachable at {redis_url()}: {type(exc).__name__}")
        env |= {"REDIS_URL": redis_url(), "CACHE_KEY_PREFIX": f"overload-{os.getpid()}"}
    return env


def check_acknowledged(site: LiveSite, figures: Figures) -> dict[str, int]:
    path = site.root / "acknowledged.json"
    path.write_text(json.dumps({"signed": figures.acknowledged, "confirmed": []}))
    found: dict[str, int] = json.loads(shell(site, VERIFY.format(path=str(path), slug=SLUG)))
    return found


@pytest.mark.slow
def test_four_times_capacity_is_answered_quickly_and_loses_nothing(
    mailbox: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    site = LiveSite(mailbox, workers=2, extra_env=site_env()).prepare()
    try:
        site.start_server()
        figures = run(site, RATIO, SECONDS)
        found = check_acknowledged(site, figures)
    finally:
        site.stop()
    database = "PostgreSQL + Redis" if postgres_url() else "SQLite"
    with capsys.disabled():
        print(f"\n{figures.line(database)}")
    assert figures.capacity > 20, "the server signed almost nothing: not a measurement"
    assert figures.offered_rate >= 0.9 * RATIO * figures.capacity, "the client fell behind"
    assert figures.lag_p99 <= LAG_WITHIN, "the client sent late: the load was not offered"
    statuses = {o.status for o in figures.outcomes}
    assert len(figures.outcomes) == figures.sent
    assert {o.status for o in figures.of("sign")} <= {302, 503}, statuses
    assert {o.status for o in figures.of("page") + figures.of("count")} == {200}, statuses
    assert all(o.retry_after for o in figures.outcomes if o.status == 503)
    assert max(o.latency for o in figures.outcomes) <= ANSWER_WITHIN
    assert figures.acknowledged, "nothing was acknowledged under load"
    assert found["lost"] == 0 and found["duplicated"] == 0
    assert figures.recovery is not None and figures.recovery <= RECOVER_WITHIN
