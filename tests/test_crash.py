"""Kill -9 at random moments of signing, confirming and sending: nothing acknowledged is lost.

Issue 14's crash suite (undersigned/test/chaos.py): at least 20 kills per database in every
run of the suite; `make chaos` runs 500 (CHAOS_KILLS) and prints the same figures.
"""

from __future__ import annotations

import os

import pytest

from undersigned.test import LiveSite, Mailbox, postgres_url
from undersigned.test.chaos import CHAOS_LIMITS, run

KILLS = int(os.environ.get("CHAOS_KILLS", "20"))


@pytest.mark.slow
def test_kills_lose_nothing_acknowledged(
    mailbox: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    site = LiveSite(mailbox, workers=3, extra_env=CHAOS_LIMITS).prepare()
    try:
        report = run(site, mailbox, KILLS)
    finally:
        site.stop()
    database = "PostgreSQL" if postgres_url() else "SQLite"
    with capsys.disabled():  # the figures, in `make test` and `make chaos` alike
        print(f"\nchaos on {database}: {report.line()}")
    assert report.kills >= KILLS and report.web_kills and report.email_kills
    assert report.acknowledged > 0 and report.confirmed > 0
    assert report.lost == 0 and report.duplicated == 0 and report.lost_confirmations == 0
    assert report.reconciled
    assert report.emails_missing == 0
    assert report.emails_repeated == report.emails_repeated_same_id, "repeats keep their id"
