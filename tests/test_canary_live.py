"""The canary through the live server: its logs and files reveal nothing (P4, P5).

A smaller run than tests/test_canary.py, through `undersigned serve` (granian, its access log
on) and the worker, where each signer costs a real SMTP round trip: 20 signers, enough to
exercise every action at least twice. Then the live site's database, disk cache (and Redis,
when it uses one) and its log are searched for markers the signers did not make public.
"""

from __future__ import annotations

import pytest

from tests.canary import (
    Haystack,
    assert_nothing_leaks,
    cast,
    disk_cache_entries,
    pg_dump,
    redis_entries,
    sqlite_files,
    stored_visibility,
)
from undersigned.test import LiveSite, Mailbox, http, links_in, postgres_url

pytestmark = pytest.mark.slow

N_LIVE = 20


def test_the_live_server_logs_and_files_reveal_nothing(mailbox: Mailbox) -> None:
    site = LiveSite(mailbox, extra_env={"UNCONFIRMED_RETENTION_DAYS": "7"}).prepare()
    site.start()
    try:
        slug = "solidarity-against-war"
        signers = [s for s in cast(N_LIVE) if s.action != "nomail"]
        for s in signers:
            assert http("POST", f"{site.url}/en/{slug}/sign/", s.form()).status == 302
        for s in signers:
            if s.action == "pending":
                s.final_visibility = stored_visibility(s)
                continue
            own = links_in(mailbox.wait_for(s.email)[0])
            assert http("POST", own["confirm"], {}).status == 200
            s.final_visibility = stored_visibility(s)
            if s.action in ("withdraw", "erase"):
                assert http("POST", own["manage"], {"action": s.action}).status == 200
                s.shown = False
            elif s.action == "lower" and s.final_visibility < 4:
                s.final_visibility += 1
                lower = {"action": "lower", "visibility": str(s.final_visibility)}
                assert http("POST", own["manage"], lower).status == 200
        assert http("GET", f"{site.url}/en/confirm/{'y' * 32}/").status == 404
        assert http("GET", f"{site.url}/en/{slug}/").status == 200
    finally:
        site.log.flush()
        hay = Haystack()
        log_text = (site.root / "site.log").read_bytes()
        if site.database:
            base = (postgres_url() or "").rsplit("/", 1)[0]
            hay.add("live pg_dump", pg_dump(f"{base}/{site.database}"))
        else:
            for name, data in sqlite_files(site.root / "data" / "undersigned.sqlite3"):
                hay.add(f"live sqlite {name}", data)
        for where, data in disk_cache_entries(site.root / "data" / "cache"):
            hay.add(f"live cache {where}", data)
        if site.env.get("REDIS_URL"):
            for where, data in redis_entries():
                hay.add(f"live redis {where}", data)
        site.stop()
    hay.add("live site log", log_text)
    assert b'"GET /en/' in log_text, "the access log should be on"
    # The live client is 127.0.0.1; the access log must not name it.
    assert b"127.0.0.1" not in log_text
    assert_nothing_leaks(hay, signers, client_ip=None)
