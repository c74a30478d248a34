"""End to end through the real stack: granian, the worker process, SMTP on loopback.

These run on SQLite and, when the suite runs with DATABASE_URL=postgres://…, on PostgreSQL
(LiveSite then makes a database of its own).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from undersigned.lib import sealing
from undersigned.test import LiveSite, Mailbox, http, links_in, postgres_url

pytestmark = pytest.mark.slow
SLUG = "solidarity-against-war"


def sign(
    site: LiveSite,
    email: str,
    name: str = "Anna Kovalenko",
    visibility: str = "1",
    language: str = "en",
) -> int:
    answer = http(
        "POST",
        f"{site.url}/{language}/{SLUG}/sign/",
        {
            "name": name,
            "email": email,
            "country": "UA",
            "city": "Lviv",
            "affiliation": "",
            "visibility": visibility,
            # What a browser sends back from the page (the abuse checks want it).
            "started": started(site, language),
        },
    )
    return answer.status


def started(site: LiveSite, language: str) -> str:
    page = http("GET", f"{site.url}/{language}/{SLUG}/").body
    match = re.search(r'name="started" value="([^"]+)"', page)
    assert match, "the sign form carries its signed render time"
    return match.group(1)


def counted(site: LiveSite) -> int:
    return int(
        http("GET", f"{site.url}/count/{SLUG}.json").body.split('"counted": ')[1].split(",")[0]
    )


def eventually(check: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_sign_confirm_count_list_withdraw(live_site: LiveSite, mailbox: Mailbox) -> None:
    assert sign(live_site, "anna@example.org") == 302
    [message] = mailbox.wait_for("anna@example.org")
    assert "Confirm your signature" in message["Subject"]
    links = links_in(message)

    page = http("GET", links["confirm"])
    assert page.status == 200 and page.body.count("<button") == 1
    assert counted(live_site) == 0, "a GET must never confirm (mail scanners open links)"

    assert http("POST", links["confirm"]).status == 200
    eventually(lambda: counted(live_site) == 1)
    eventually(lambda: "Anna Kovalenko" in http("GET", f"{live_site.url}/en/{SLUG}/").body)

    assert http("POST", links["manage"]).status == 200
    eventually(lambda: counted(live_site) == 0)
    eventually(lambda: "Anna Kovalenko" not in http("GET", f"{live_site.url}/en/{SLUG}/").body)


def test_the_email_is_in_the_signers_language(live_site: LiveSite, mailbox: Mailbox) -> None:
    sign(live_site, "olena@example.org", language="uk")
    [message] = mailbox.wait_for("olena@example.org")
    assert message["Content-Language"] == "uk"
    assert "/uk/confirm/" in links_in(message)["confirm"]


def test_twenty_concurrent_submissions_of_one_address_make_one_signature(
    live_site: LiveSite, mailbox: Mailbox
) -> None:
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: sign(live_site, "same@example.org"), range(20)))
    # Admission control takes one submission per process and lets three wait; the rest of
    # a burst of twenty is told to send again (503), which writes nothing.
    assert set(statuses) <= {302, 503} and statuses.count(302) >= 2, statuses
    # One confirmation, and one "already signed" a day however many came after it (issue
    # 14: a prober cannot fill the owner's mailbox); each carries the same link to confirm.
    messages = mailbox.wait_for("same@example.org", count=2, timeout=30)
    time.sleep(2)
    messages = mailbox.to("same@example.org")
    kinds = sorted("already signed" in m["Subject"] for m in messages)
    assert kinds == [False, True], "one confirmation, one 'already signed'"
    assert len({links_in(m)["confirm"] for m in messages}) == 1
    rows = live_site.cli("reconcile")
    assert "pending 1," in rows


def test_a_server_killed_after_commit_still_gets_its_email_sent(
    mailbox: Mailbox,
) -> None:
    site = LiveSite(mailbox).prepare()
    try:
        site.start_server()  # no worker yet: the job can only be in the database
        assert sign(site, "durable@example.org") == 302
        server = site.processes.pop()
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        time.sleep(0.5)
        assert mailbox.to("durable@example.org") == []
        site.start_worker()
        [message] = mailbox.wait_for("durable@example.org")
        assert "confirm" in links_in(message)
    finally:
        site.stop()


def test_a_worker_killed_mid_send_is_replaced_and_the_email_arrives(mailbox: Mailbox) -> None:
    site = LiveSite(mailbox, extra_env={"OUTBOX_LOCK_SECONDS": "2"}).prepare()
    try:
        site.start_server()
        mailbox.stalled = True
        worker = site.start_worker()
        assert sign(site, "midsend@example.org") == 302
        time.sleep(1.5)  # the worker is now stuck inside the SMTP conversation
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        mailbox.stalled = False
        site.start_worker()
        [message] = mailbox.wait_for("midsend@example.org", timeout=20)
        assert "confirm" in links_in(message)
    finally:
        site.stop()


def database_dump(site: LiveSite) -> bytes:
    """What someone who seizes the server's database gets."""
    if site.database:
        url = site.env["DATABASE_URL"]
        return subprocess.run(["pg_dump", url], check=True, capture_output=True).stdout
    path = Path(site.env["UNDERSIGNED_DATA_DIR"]) / "undersigned.sqlite3"
    raw = b"".join(p.read_bytes() for p in path.parent.glob("undersigned.sqlite3*"))
    with sqlite3.connect(path) as conn:
        return raw + "\n".join(conn.iterdump()).encode()


def test_a_database_dump_holds_no_email_and_no_hidden_name(
    live_site: LiveSite, mailbox: Mailbox
) -> None:
    if postgres_url() and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed (Debian package postgresql-client)")
    for i in range(12):
        visibility = "4" if i % 2 else "1"
        sign(
            live_site, f"dump{i}@example.org", name=f"Secretname{i}z Person", visibility=visibility
        )
    for i in range(12):
        [message] = mailbox.wait_for(f"dump{i}@example.org")
        if i % 3:
            http("POST", links_in(message)["confirm"])
    dump = database_dump(live_site)
    assert not re.search(rb"dump\d+@example\.org", dump)
    for i in range(1, 12, 2):
        assert f"Secretname{i}z".encode() not in dump
    # The public ones are what their signers chose to show.
    assert b"Secretname0z" in dump
    # And the sealed data is readable with the organisers' key, off the server.
    private = sealing.load_private_key(live_site.private_key)
    assert private is not None
