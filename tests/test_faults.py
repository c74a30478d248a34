"""Faults around the site: SMTP hanging or refusing, Redis down, PostgreSQL restarting.
Pages are still served, nothing acknowledged is lost, and email goes out once the fault
clears (issue 14).

The suite's PostgreSQL server is shared with every other test, so its restart is simulated
by a proxy between the site and PostgreSQL (undersigned/test/live.py, RestartingProxy).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from undersigned.test import Answer, LiveSite, Mailbox, free_port, http, postgres_url
from undersigned.test.chaos import CHAOS_LIMITS, VERIFY, serve, shell
from undersigned.test.live import RestartingProxy

SLUG = "solidarity-against-war"
FAST = {**CHAOS_LIMITS, "EMAIL_TIMEOUT": "2"}


@pytest.fixture
def site(mailbox: Mailbox, request: pytest.FixtureRequest) -> Iterator[LiveSite]:
    live = LiveSite(mailbox, extra_env={**FAST, **getattr(request, "param", {})}).prepare()
    live.start()
    yield live
    live.stop()


def sign(site: LiveSite, address: str) -> int:
    form = {"name": "Fault Tester", "email": address, "country": "UA", "visibility": "1"}
    return http("POST", f"{site.url}/en/{SLUG}/sign/", form).status


def pages_served(site: LiveSite) -> None:
    for path in (f"/en/{SLUG}/", f"/count/{SLUG}.json", f"/en/{SLUG}/organisations/"):
        started = time.monotonic()
        assert http("GET", site.url + path).status == 200, path
        assert time.monotonic() - started < 5, path  # a loaded CI machine; not stuck


def signatures(site: LiveSite) -> int:
    code = "from undersigned.statements.models import Signature; print(Signature.objects.count())"
    return int(shell(site, code))


@pytest.mark.slow
def test_smtp_hanging_then_refusing_loses_nothing(site: LiveSite, mailbox: Mailbox) -> None:
    mailbox.stalled = True  # accepts DATA and never answers
    hung = [f"hung{n}@example.org" for n in range(3)]
    assert [sign(site, a) for a in hung] == [302] * 3
    pages_served(site)
    mailbox.stop()  # now refusing connections
    mailbox.stalled = False
    refused = [f"refused{n}@example.org" for n in range(3)]
    assert [sign(site, a) for a in refused] == [302] * 3
    pages_served(site)
    assert signatures(site) == 6
    mailbox.start()  # the fault clears: the back-off retries deliver everything
    for address in hung + refused:
        assert mailbox.wait_for(address, timeout=90)


@pytest.mark.slow
@pytest.mark.parametrize(
    "site", [{"REDIS_URL": f"redis://127.0.0.1:{free_port()}/12"}], indirect=True
)
def test_redis_down_still_serves_signs_and_sends(site: LiveSite, mailbox: Mailbox) -> None:
    pages_served(site)
    addresses = [f"noredis{n}@example.org" for n in range(3)]
    assert [sign(site, a) for a in addresses] == [302] * 3
    assert signatures(site) == 3
    for address in addresses:
        assert mailbox.wait_for(address, timeout=30)
    pages_served(site)


PG_URL = postgres_url() or os.environ.get(
    "TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def restartable(mailbox: Mailbox) -> Iterator[tuple[LiveSite, RestartingProxy]]:
    """A site (`serve --with-worker`, as deployed) on its own PostgreSQL database, reached
    through a RestartingProxy."""
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}: {type(exc).__name__}")
    name = f"undersigned_pgrestart_{os.getpid()}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    database = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{name}"))
    target = urlsplit(database)
    proxy = RestartingProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    site = LiveSite(mailbox, workers=2, extra_env={**FAST, "DATABASE_URL": database})
    try:
        site.prepare()  # migrated directly; the site itself goes through the proxy
        site.env["DATABASE_URL"] = proxy.url(database)
        serve(site)
        yield site, proxy
    finally:
        proxy.stop()
        site.stop()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Visitors:
    """Signers and readers, one after another, until stopped: what each was answered."""

    def __init__(self, site: LiveSite) -> None:
        self.site, self.n = site, 0
        self.answers: list[tuple[str, Answer | None, str]] = []  # (kind, answer, address)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        while not self.stopped.is_set():
            self.n += 1
            address = f"during{self.n}@example.org"
            form = {"name": "Fault Tester", "email": address, "country": "UA", "visibility": "1"}
            for kind, method, path, data in (
                ("sign", "POST", f"/en/{SLUG}/sign/", form),
                ("page", "GET", f"/en/{SLUG}/", None),
                ("count", "GET", f"/count/{SLUG}.json", None),
            ):
                try:
                    answer: Answer | None = http(method, self.site.url + path, data)
                except OSError:
                    answer = None
                self.answers.append((kind, answer, address if kind == "sign" else ""))
            time.sleep(0.05)

    def of(self, kind: str) -> list[Answer | None]:
        return [answer for k, answer, _a in self.answers if k == kind]

    def acknowledged(self) -> list[str]:
        return [
            a for k, answer, a in self.answers if k == "sign" and answer and answer.status == 302
        ]


@pytest.mark.slow
def test_a_postgresql_restart_is_answered_503_and_loses_nothing(
    restartable: tuple[LiveSite, RestartingProxy],
    mailbox: Mailbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PostgreSQL "restarts" for 3 s: every connection the site had is dropped at once and
    the port refuses new ones, then accepts again. This is simulated by the proxy, because
    the suite's PostgreSQL server is shared with every other test and cannot be restarted.
    Meanwhile the page and the count are served (from the caches), a signature is either
    acknowledged and kept or refused with 503 + Retry-After (never a 500, never lost), and
    afterwards signing works and every acknowledged signer gets their email."""
    site, proxy = restartable
    before = [f"before{n}@example.org" for n in range(3)]
    assert _signs_within(site, before, 20) == [302] * 3  # a fresh worker may ask to retry
    for _ in range(5):  # both server processes keep a copy of the page and the count
        pages_served(site)
    visitors = Visitors(site)
    visitors.thread.start()
    time.sleep(1)
    proxy.restart(down=3.0)
    time.sleep(4)
    visitors.stopped.set()
    visitors.thread.join(30)
    after = [f"after{n}@example.org" for n in range(3)]
    assert _signs_within(site, after, 20) == [302] * 3
    signs = visitors.of("sign")
    statuses = [a.status if a else 0 for a in signs]
    with capsys.disabled():
        print(
            f"\npostgresql restart (3 s, simulated by a proxy): {len(signs)} signs around it, "
            f"{statuses.count(302)} acknowledged, {statuses.count(503)} refused with 503, "
            f"{len(visitors.of('page')) + len(visitors.of('count'))} page and count requests"
        )
    assert None not in visitors.of("sign") + visitors.of("page") + visitors.of("count")
    assert {a.status for a in visitors.of("page") + visitors.of("count") if a} == {200}
    assert {a.status for a in signs if a} <= {302, 503}
    refused = [a for a in signs if a and a.status == 503]
    assert refused, "the restart was not seen: nothing was refused"
    assert all(a.headers.get("retry-after") for a in refused)
    assert all("was not recorded" in a.body for a in refused)
    acknowledged = before + visitors.acknowledged() + after
    path = site.root / "acknowledged.json"
    path.write_text(json.dumps({"signed": acknowledged, "confirmed": []}))
    found = json.loads(shell(site, VERIFY.format(path=str(path), slug=SLUG)))
    assert found["lost"] == 0 and found["duplicated"] == 0
    for address in acknowledged:
        assert mailbox.wait_for(address, timeout=90)


def _signs_within(site: LiveSite, addresses: list[str], seconds: float) -> list[int]:
    """Each address signed, retrying a 503 (as the page asks) for up to SECONDS."""
    deadline = time.monotonic() + seconds
    statuses = []
    for address in addresses:
        while (status := sign(site, address)) == 503 and time.monotonic() < deadline:
            time.sleep(0.5)
        statuses.append(status)
    return statuses
