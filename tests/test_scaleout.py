"""Two `undersigned serve` processes on PostgreSQL and Redis behave as one site.

Each server has its own data folder, as two machines would; they share only DATABASE_URL,
REDIS_URL and the server keys from the environment. Skipped only where PostgreSQL or Redis
cannot be reached. TEST_POSTGRES_URL and TEST_REDIS_URL choose the services (the suite's
own DATABASE_URL is used when it is PostgreSQL).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from undersigned.test import (
    EXACT_COUNTS,
    RELAXED_LIMITS,
    LiveSite,
    Mailbox,
    links_in,
    postgres_url,
)

pytestmark = pytest.mark.slow

SLUG = "solidarity-against-war"
PG_URL = postgres_url() or os.environ.get(
    "TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unreachable() -> str:
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL is not reachable at {PG_URL}: {type(exc).__name__}"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis is not reachable at {REDIS_URL}: {type(exc).__name__}"
    return ""


def request(
    site: LiveSite, method: str, path: str, form: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=20)
    headers = {"Origin": site.url}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def sign(site: LiveSite, email: str) -> int:
    # As a browser does: send back the form's signed render time (public/screening.py).
    _status, page = request(site, "GET", f"/en/{SLUG}/")
    started = re.search(rb'name="started" value="([^"]+)"', page)
    assert started, "the sign form carries its signed render time"
    status, _ = request(
        site,
        "POST",
        f"/en/{SLUG}/sign/",
        {
            "name": "Scale Tester",
            "email": email,
            "country": "DE",
            "visibility": "1",
            "started": started.group(1).decode(),
        },
    )
    return status


def counted(site: LiveSite) -> int:
    status, body = request(site, "GET", f"/count/{SLUG}.json")
    assert status == 200
    return int(json.loads(body)["counted"])


@pytest.fixture
def two_sites(mailbox: Mailbox) -> Iterator[tuple[LiveSite, LiveSite, str]]:
    reason = _unreachable()
    if reason:
        pytest.skip(reason)
    import psycopg
    import redis

    name = f"undersigned_scaleout_{os.getpid()}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    database = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{name}"))
    prefix = f"scaleout-{secrets.token_hex(4)}"
    shared = {
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        **{k: secrets.token_urlsafe(32) for k in ("SECRET_KEY", "DEDUP_KEY", "OUTBOX_KEY")},
        "CLIENT_HASH_KEY": secrets.token_urlsafe(32),
        # Every signer here is 127.0.0.1: the per-client abuse limits would rightly
        # quarantine them (tests/test_abuse_live.py shows the limits across two servers).
        **RELAXED_LIMITS,
        **EXACT_COUNTS,
    }
    a = LiveSite(mailbox, extra_env=shared)
    b = LiveSite(mailbox, extra_env=shared)
    try:
        a.prepare()
        a.start_server()
        b.start_server()
        # Two email workers on two machines: each message must still go out once.
        a.start_worker()
        b.start_worker()
        yield a, b, database
    finally:
        a.stop()
        b.stop()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


def rows(database: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(database) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_two_servers_behave_as_one_site(
    two_sites: tuple[LiveSite, LiveSite, str], mailbox: Mailbox
) -> None:
    a, b, database = two_sites

    # Dedup across servers, even when both submissions race.
    statuses: list[int] = []
    racers = [
        threading.Thread(target=lambda s=site: statuses.append(sign(s, "same@example.org")))
        for site in (a, b)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert statuses == [302, 302]
    assert rows(database, "SELECT count(*) FROM statements_signature") == 1

    # Signatures through either server; the two workers send each email exactly once.
    for i in range(6):
        assert sign((a, b)[i % 2], f"signer{i}@example.org") == 302
    for i in range(6):
        assert len(mailbox.wait_for(f"signer{i}@example.org")) == 1
    # One confirmation request and one "you have already signed", never two signatures.
    first, second = mailbox.wait_for("same@example.org", count=2)
    assert first["Subject"] != second["Subject"]
    time.sleep(1.5)  # a double send would arrive within the workers' poll interval
    assert len(mailbox.messages) == 8
    assert len(mailbox.to("same@example.org")) == 2

    # Counts agree on both servers; a confirmation through A shows on B within seconds.
    assert counted(a) == counted(b) == 0
    status, page = request(b, "GET", f"/en/{SLUG}/")
    assert status == 200
    confirm_url = links_in(mailbox.to("signer0@example.org")[0])["confirm"]
    status, _ = request(a, "POST", urlsplit(confirm_url).path, {})
    assert status == 200
    confirmed_at = time.monotonic()
    while counted(b) != 1 or counted(a) != 1:
        assert time.monotonic() - confirmed_at < 6, "B did not show A's confirmation"
        time.sleep(0.2)
    while "Scale Tester" not in request(b, "GET", f"/en/{SLUG}/")[1].decode():
        assert time.monotonic() - confirmed_at < 6, "B's page did not list the new signer"
        time.sleep(0.2)
    assert rows(database, "SELECT count(*) FROM statements_signature WHERE counted") == 1
