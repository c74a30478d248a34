"""The canary: after real signing traffic, a seized server holds nothing it should not (P4, P5).

Synthetic signers carry unique marker strings in every personal field. They sign, confirm,
lower their visibility, withdraw, erase and sign twice, through the real request stack; the
worker sends every email. Then everything an attacker who seizes the server could read is
searched: the raw SQLite files (main file and write-ahead log) or a pg_dump, the application
log, the access log, every cache entry and the email queue. None may contain a marker the
signer did not (or no longer) make public, any SHA-256 or MD5 hex of a marker email, or the
client's address.

Sizes: the bulk (1,000 signers, about 3,000 requests) goes through Django's test Client in
this process, which runs every middleware, form, view and model method of a real request
but not the HTTP server; that keeps the test near half a minute on two shared cores. The
HTTP server's own output (granian's access log, the worker's log) is covered by a smaller
live run of 20 signers through `undersigned serve` and the worker, where each signer costs a
real SMTP round trip; 20 is enough to exercise every action there at least twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import subprocess
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from undersigned.delivery.emails import deliver_all
from undersigned.lib.logredact import RedactTokens
from undersigned.lib.sealing import normalise_email
from undersigned.statements.models import OutboxMessage, Signature
from undersigned.test import (
    LINK_RE,
    LiveSite,
    Mailbox,
    http,
    links_in,
    make_statement,
    postgres_url,
)

pytestmark = pytest.mark.slow

N_SIGNERS = 1000
N_LIVE = 20
CLIENT_IP = "198.51.100.77"
RUN = secrets.token_hex(3)  # per run, so nothing left from another run can match
MARKER = re.compile(rb"cnry[a-z]{4}\d{4}[0-9a-f]{6}", re.I)
HEX = re.compile(rb"[0-9a-fA-F]{32,}")
COUNTRIES = ["UA", "RU", "DE", "BY", "PL", "GE", "LT", "RU"]


@dataclass
class Signer:
    i: int
    visibility: int | None  # None: picks nothing, the default rule applies
    action: str  # pending, confirm, withdraw, erase, lower, twice, nomail
    country: str
    final_visibility: int = 4
    shown: bool = True  # False once withdrawn or erased

    def marker(self, kind: str) -> str:
        return f"Cnry{kind}{self.i:04d}{RUN}"

    @property
    def name(self) -> str:
        return f"{self.marker('Name')} {self.marker('Surn')}"

    @property
    def email(self) -> str:
        # Mixed case: the raw and the normalised address hash differently.
        return "" if self.action == "nomail" else f"{self.marker('Mail')}@Example.ORG"

    def form(self, name: str | None = None) -> dict[str, str]:
        data = {
            "name": name or self.name,
            "email": self.email,
            "country": self.country,
            "city": self.marker("City"),
            "affiliation": self.marker("Affl"),
        }
        if self.visibility is not None:
            data["visibility"] = str(self.visibility)
        return data

    def public_markers(self) -> set[str]:
        """What this signer has made public and not taken back."""
        if not self.shown:
            return set()
        if self.final_visibility == 1:
            return {self.marker(k).lower() for k in ("Name", "Surn", "City", "Affl")}
        if self.final_visibility == 2:
            return {self.marker(k).lower() for k in ("Name", "Surn")}
        return set()

    def all_markers(self) -> set[str]:
        kinds = ("Name", "Surn", "City", "Affl", "Mail", "Resn")
        return {self.marker(k).lower() for k in kinds}

    def email_hashes(self) -> set[str]:
        if not self.email:
            return set()
        found = set()
        for address in (self.email, normalise_email(self.email)):
            found.add(hashlib.sha256(address.encode()).hexdigest())
            found.add(hashlib.md5(address.encode(), usedforsecurity=False).hexdigest())
        return found


ACTIONS = ["confirm", "pending", "withdraw", "erase", "lower", "twice", "confirm", "nomail"]


def cast(n: int) -> list[Signer]:
    signers = []
    for i in range(n):
        country = COUNTRIES[i % len(COUNTRIES)]
        visibility: int | None = i % 4 + 1
        if country in ("RU", "BY") and i % 3 == 0:
            visibility = None  # left the default: stored as not public
        signers.append(Signer(i, visibility, ACTIONS[(i * 5 + i // 8) % len(ACTIONS)], country))
    return signers


@dataclass
class Haystack:
    """Everything a seized server holds, by where it was found."""

    places: dict[str, bytes] = field(default_factory=dict)

    def add(self, where: str, data: bytes) -> None:
        self.places[where] = self.places.get(where, b"") + data + b"\n"

    def markers(self) -> dict[str, set[str]]:
        return {
            where: {m.decode().lower() for m in MARKER.findall(data)}
            for where, data in self.places.items()
        }

    def hex_windows(self) -> dict[str, set[str]]:
        """Every 32- and 64-character window of every hex run: hashes hide in longer runs."""
        found: dict[str, set[str]] = {}
        for where, data in self.places.items():
            windows: set[str] = set()
            for run in HEX.findall(data):
                text = run.decode().lower()
                for size in (32, 64):
                    windows.update(text[k : k + size] for k in range(len(text) - size + 1))
            found[where] = windows
        return found

    def containing(self, needle: str) -> list[str]:
        return [where for where, data in self.places.items() if needle.encode() in data]


def sqlite_files(path: str | Path) -> Iterator[tuple[str, bytes]]:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            yield candidate.name, candidate.read_bytes()


def pg_dump(url: str) -> bytes:
    return subprocess.run(
        ["pg_dump", "--no-owner", url], check=True, capture_output=True, timeout=300
    ).stdout


def redis_entries() -> Iterator[tuple[str, bytes]]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    for key in client.scan_iter(match=f"{prefix}:*" if prefix else "*"):
        value = client.get(key) if client.type(key) == b"string" else client.dump(key)
        yield key.decode(errors="replace"), key + b" " + (value or b"")


def disk_cache_entries(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Every file of the one-machine disk cache raw (its SQLite files included), and each
    entry's key and value as the cache returns them."""
    from diskcache import Cache

    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield str(path.relative_to(folder)), path.read_bytes()
    for shard in sorted(db.parent for db in folder.rglob("cache.db")):
        cache = Cache(str(shard))
        try:
            for key in cache.iterkeys():
                value = cache.get(key, default=None, retry=True)
                yield f"entry {key}", f"{key} {value!r}".encode()
        finally:
            cache.close()


def cache_entries() -> Iterator[tuple[str, bytes]]:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("RedisCache"):
        yield from redis_entries()
    elif backend.endswith("DiskCache"):
        yield from disk_cache_entries(Path(settings.CACHES["default"]["LOCATION"]))
    else:
        pytest.fail(f"the canary does not know how to read {backend}")


@contextmanager
def application_log(path: Path) -> Iterator[None]:
    """Write what the site logs to PATH with the site's own formatter and filter."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    handler.addFilter(RedactTokens())
    names = ["", "django.request", "django.security", "undersigned.audit"]
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        handler.close()


def outbox_rows() -> bytes:
    rows = OutboxMessage.objects.values_list(
        "kind", "language", "payload", "last_error", "statement_id", "signature_id"
    )
    return repr(
        [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]
    ).encode()


def assert_nothing_leaks(
    hay: Haystack, signers: list[Signer], *, client_ip: str | None = CLIENT_IP
) -> None:
    allowed = set().union(*(s.public_markers() for s in signers))
    forbidden = set().union(*(s.all_markers() for s in signers)) - allowed
    hashes = set().union(*(s.email_hashes() for s in signers))
    found = hay.markers()
    leaks = {where: sorted(markers & forbidden)[:5] for where, markers in found.items()}
    assert not any(leaks.values()), f"non-public markers found: {leaks}"
    windows = hay.hex_windows()
    hashed = {where: sorted(w & hashes)[:3] for where, w in windows.items()}
    assert not any(hashed.values()), f"hashes of marker emails found: {hashed}"
    if client_ip:
        ip_hashes = {
            hashlib.sha256(client_ip.encode()).hexdigest(),
            hashlib.md5(client_ip.encode(), usedforsecurity=False).hexdigest(),
        }
        assert not hay.containing(client_ip), f"client address in {hay.containing(client_ip)}"
        assert not [w for w, hexes in windows.items() if hexes & ip_hashes]
    # Not vacuous: the public part is there to be found, in the clear, in the database.
    seen = set().union(*found.values())
    assert allowed and allowed <= seen, "public markers should be readable somewhere"


def act_through_client(signers: list[Signer], slug: str) -> None:
    client = Client(REMOTE_ADDR=CLIENT_IP, HTTP_ORIGIN="http://testserver")
    sign_url = f"/en/{slug}/sign/"
    for s in signers:
        response = client.post(sign_url, s.form())
        assert response.status_code == 302, response.content[:300]
    # Abuse of the form with markers in it: logged as a 400 at most, never with the values.
    bad = client.post(sign_url, {**signers[0].form(), "email": "not-an-address Cnry"})
    assert bad.status_code == 400
    assert client.get(f"/en/confirm/{'x' * 32}/").status_code == 404
    assert client.get("/en/", HTTP_HOST="evil.example").status_code == 400

    deliver_all(limit=10_000)
    links: dict[str, dict[str, str]] = {}
    for message in mail.outbox:
        text = message.body
        links[message.to[0]] = {m.group(1): m.group(0) for m in LINK_RE.finditer(text)}
    for s in signers:
        if s.action in ("pending", "nomail"):
            s.final_visibility = s.visibility or 4
            if s.action == "nomail":
                s.final_visibility = stored_visibility(s)
            continue
        own = links[s.email]
        path = urllib.parse.urlsplit(own["confirm"]).path
        assert client.post(path).status_code == 200
        s.final_visibility = stored_visibility(s)
        manage = urllib.parse.urlsplit(own["manage"]).path
        if s.action == "withdraw":
            assert client.post(manage, {"action": "withdraw"}).status_code == 200
            s.shown = False
        elif s.action == "erase":
            assert client.post(manage, {"action": "erase"}).status_code == 200
            s.shown = False
        elif s.action == "lower" and s.final_visibility < 4:
            s.final_visibility += 1
            data = {"action": "lower", "visibility": str(s.final_visibility)}
            assert client.post(manage, data).status_code == 200
        elif s.action == "twice":
            # The second form's name is never stored: only an email goes out.
            assert client.post(sign_url, s.form(name=s.marker("Resn"))).status_code == 302
    deliver_all(limit=10_000)
    # The worker's own loop: sends what is left and runs its scheduled purge.
    call_command("worker", once=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not OutboxMessage.objects.filter(payload__isnull=False).exists()
    # Every page a visitor sees, so the page cache holds what it would hold.
    for page in range(1, 6):
        assert client.get(f"/en/{slug}/?page={page}").status_code == 200
    assert client.get(f"/count/{slug}.json").status_code == 200


def stored_visibility(s: Signer) -> int:
    if s.visibility is not None:
        return s.visibility
    return 4 if s.country in settings.HIGH_RISK_COUNTRIES else settings.DEFAULT_VISIBILITY


@pytest.mark.django_db(transaction=True)
def test_a_seized_server_reveals_nothing_that_was_not_made_public(tmp_path: Path) -> None:
    if connection.vendor == "sqlite":
        # Only durability against power loss changes, not what is written: no fsync waits.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    statement = make_statement("canary", allow_no_email=True)
    signers = cast(N_SIGNERS)
    log_path = tmp_path / "app.log"
    with application_log(log_path):
        act_through_client(signers, statement.slug)
    # The run did what it says: each kind of signer exists in the database.
    statuses = set(Signature.objects.values_list("status", flat=True))
    assert statuses == {"pending", "confirmed", "withdrawn", "erased", "unverified"}
    assert Signature.objects.filter(sealed__isnull=False).count() > N_SIGNERS // 2

    hay = Haystack()
    pg = postgres_url()
    if pg:
        hay.add("pg_dump", pg_dump(pg.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]))
    else:
        # Read while the database is open, as from a running server that is seized: the
        # write-ahead log is still there.
        for name, data in sqlite_files(settings.DATABASES["default"]["TEST"]["NAME"]):
            hay.add(f"sqlite {name}", data)
    hay.add("application log", log_path.read_bytes())
    for where, data in cache_entries():
        hay.add(f"cache {where}", data)
    hay.add("outbox", outbox_rows())
    assert_nothing_leaks(hay, signers)


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
