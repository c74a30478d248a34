"""The canary: after real signing traffic, a seized server holds nothing it should not (P4, P5).

Synthetic signers carry unique marker strings in every personal field (tests/canary.py). They
sign, confirm, lower their visibility, withdraw, erase and sign twice, through the real
request stack; the worker sends every email. Then everything an attacker who seizes the
server could read is searched: the raw SQLite files (main file and write-ahead log) or a
pg_dump, the application log, every cache entry and the email queue. None may contain a
marker the signer did not (or no longer) make public, any SHA-256 or MD5 hex of a marker
email, or the client's address.

Sizes: the bulk (1,000 signers, about 3,000 requests) goes through Django's test Client in
this process, which runs every middleware, form, view and model method of a real request
but not the HTTP server; that keeps the test near half a minute on two shared cores. The
HTTP server's own output is covered by tests/test_canary_live.py.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.canary import (
    CLIENT_IP,
    Haystack,
    Signer,
    assert_nothing_leaks,
    cast,
    disk_cache_entries,
    pg_dump,
    redis_entries,
    sqlite_files,
    stored_visibility,
)
from undersigned.delivery.emails import deliver_all
from undersigned.lib.logredact import RedactTokens
from undersigned.statements.models import OutboxMessage, Signature
from undersigned.test import LINK_RE, make_statement, postgres_url

pytestmark = pytest.mark.slow

N_SIGNERS = 1000


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
