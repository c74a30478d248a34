"""Database side of bench/scale.py, run as a subprocess with the site's environment.

    scaledb.py grow N        add signatures until the demo statement has N rows in all
    scaledb.py plans         the query plan of each hot query, as JSON
    scaledb.py deepest       the public list's row count and its deepest page
    scaledb.py clear-cache   empty the shared cache, rate-limit counters included
    scaledb.py staff-session a moderator and organiser with a verified second factor, and
                             a session cookie for them (the staff pages' scenarios)

Prints one JSON object on stdout.

`grow` writes rows the shape Signature.sign() and confirm() leave them, in every state
(confirmed, pending, withdrawn, unverified, erased, quarantined, invalidated) and every
visibility, created over the last 90 days, straight into the table: executemany on SQLite,
COPY on PostgreSQL, 20,000 rows per transaction. Each row has its own email digest and
token hashes; the sealed details (real sealed boxes, to the statement's key, of the same
size as a real signer's) come from a pool of 5,000 sealed once per call, so that a million
rows take minutes and `export` still opens every one of them. The counter shards move by
exactly what the rows add.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from scaleplans import plans  # noqa: E402

from undersigned.lib import sealing  # noqa: E402
from undersigned.statements import counting  # noqa: E402
from undersigned.statements.models import Signature, Statement  # noqa: E402

SLUG = "solidarity-against-war"
BATCH = 20_000
POOL = 5_000
SPAN = dt.timedelta(days=90)
COUNTRIES = ["DE", "UA", "RU", "FR", "PL", "GE", "AM", "KZ", "LT", "CZ"]
CITIES = ["Berlin", "Kyiv", "Tbilisi", "", "Vilnius", "Yerevan", "", "Prague"]
# Per thousand rows: (upper bound, state). The rest are confirmed and clean.
MIX = [
    (780, "confirmed"),
    (880, "pending"),
    (910, "withdrawn"),
    (930, "unverified"),
    (950, "erased"),
    (975, "quarantined"),
    (1000, "invalidated"),
]


def statement() -> Statement:
    return Statement.objects.get(slug=SLUG)


def sealed_pool(target: Statement, prefix: str) -> list[tuple[bytes, dict[str, str], str]]:
    """POOL sealed records, with the public fields and country each stands for."""
    key = sealing.load_public_key(target.public_key)
    pool = []
    for i in range(POOL):
        name = f"Scale Signer {prefix}{i} Kovalenko-Schmidt"
        country, city = COUNTRIES[i % len(COUNTRIES)], CITIES[i % len(CITIES)]
        affiliation = "Teachers' union of the district" if i % 5 == 0 else ""
        visibility = i % 4 + 1
        details = {
            "name": name, "email": f"{prefix}{i}@mail{i % 997}.example.org",
            "country": country, "city": city, "affiliation": affiliation,
            "visibility": visibility, "consent": visibility == 1, "language": "en",
            "version": 1, "signed_at": timezone.now().isoformat(),
        }  # fmt: skip
        public = Signature.public_fields(visibility, name, city, affiliation)
        pool.append((sealing.seal(key, details), public, country))
    return pool


def state_of(i: int) -> str:
    r = (i * 2654435761) % 1000
    return next(state for bound, state in MIX if r < bound)


def row(
    i: int, n: int, prefix: str, target: Statement, pool: list[Any], versions: dict[str, int]
) -> dict[str, Any]:
    """The I-th of N new rows, as a dict of attnames."""
    state = state_of(i)
    sealed, public, country = pool[i % POOL]
    visibility = i % 4 + 1
    now = timezone.now()
    created = now - SPAN + SPAN * (i / n) - dt.timedelta(hours=1)
    language = ("en", "uk", "ru")[i % 3]
    email = f"{prefix}{i}@mail{i % 997}.example.org"
    digest = hashlib.blake2b(f"{prefix}{i}".encode(), digest_size=32).hexdigest()
    values: dict[str, Any] = {
        "statement_id": target.pk, "version_id": versions[language], "language": language,
        "status": state, "counted": False, "quarantined": False, "invalidated_at": None,
        "email_digest": sealing.email_digest(settings.DEDUP_KEY, target.pk, email),
        "sealed": sealed, "domain_digest": f"{i % 2000:032x}",
        "source_digest": digest[:32], "quarantine_reasons": "", "country": country,
        "visibility": visibility, **(public if visibility < 4 else {}),
        "confirm_token_hash": digest, "manage_token_hash": digest[::-1],
        "confirm_expires_at": created + dt.timedelta(hours=settings.CONFIRM_LINK_HOURS),
        "created_at": created, "confirmed_at": created + dt.timedelta(minutes=7),
    }  # fmt: skip
    if created < now - dt.timedelta(days=settings.ABUSE_RETENTION_DAYS):
        values["source_digest"] = ""  # erased by the trending report, as in a live site
    if state in ("pending", "unverified"):
        values["confirmed_at"] = None
    if state in ("quarantined", "invalidated"):
        values["status"] = "confirmed"
        values["quarantined"] = state == "quarantined"
        values["quarantine_reasons"] = "burst" if state == "quarantined" else ""
        if state == "invalidated":
            values["invalidated_at"] = created + dt.timedelta(days=1)
    if state == "withdrawn":
        values["withdrawn_at"] = created + dt.timedelta(days=2)
    if state == "unverified":
        values.update(email_digest=None, confirm_token_hash=None, domain_digest="")
    if state == "erased":
        values.update(email_digest=None, sealed=None, manage_token_hash=None)
        values.update(confirm_token_hash=None, public_name="", public_city="")
        values["public_affiliation"] = ""
    tally = counting.tally(
        status=values["status"], quarantined=values["quarantined"],
        invalidated=values["invalidated_at"] is not None, visibility=visibility,
    )  # fmt: skip
    values["counted"] = bool(tally.counted)
    values["_tally"] = tally
    return values


def columns() -> list[Any]:
    return [f for f in Signature._meta.concrete_fields if not f.primary_key]


def as_tuple(values: dict[str, Any], fields: list[Any], defaults: dict[str, Any]) -> tuple:
    out = []
    for field in fields:
        value = values.get(field.attname, defaults[field.attname])
        if isinstance(value, dt.datetime):
            value = connection.ops.adapt_datetimefield_value(value)
        out.append(value)
    return tuple(out)


def insert(rows: list[tuple], fields: list[Any]) -> None:
    table = Signature._meta.db_table
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def grow(total: int) -> dict[str, Any]:
    started = time.perf_counter()
    target = statement()
    n = total - Signature.objects.filter(statement=target).count()
    if n <= 0:
        return {"added": 0, "seconds": 0.0}
    prefix = f"s{int(time.time())}-"
    pool = sealed_pool(target, prefix)
    versions = {v.language: v.pk for v in target.versions.filter(is_current=True)}
    fields = columns()
    defaults = {f.attname: f.get_default() for f in fields}
    tallies = counting.Tally()
    for start in range(0, n, BATCH):
        batch = []
        for i in range(start, min(n, start + BATCH)):
            values = row(i, n, prefix, target, pool, versions)
            tallies += values["_tally"]
            batch.append(as_tuple(values, fields, defaults))
        insert(batch, fields)
    with transaction.atomic():
        target.bump(**tallies.deltas())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Signature._meta.db_table}")
    return {"added": n, "seconds": round(time.perf_counter() - started, 1)}


def deepest(n: int = 10) -> dict[str, Any]:
    """The public list's size and keyset cursors (public/signers.py) of N pages at its deep
    end and N near its start. Found here once with OFFSET; the server pages by key."""
    from undersigned.public.signers import make_cursor

    target = statement()
    listed = target.counts()["listed"]
    per_page = settings.SIGNERS_PER_PAGE
    pages = max(1, -(-listed // per_page))
    rows = Signature.objects.filter(counting.LISTED_Q, statement=target).order_by(
        "-confirmed_at", "-id"
    )

    def cursor(page: int) -> str:
        # The cursor that opens PAGE (2 or more): the last row of the page before it.
        row = rows.only("id", "confirmed_at")[(page - 1) * per_page - 1]
        return make_cursor(row)

    deep = [cursor(pages - i) for i in range(min(n, pages - 1))]
    shallow = [cursor(2 + i) for i in range(min(n, pages - 1))]
    return {"listed": listed, "deepest_page": pages, "deep": deep, "shallow": shallow}


def staff_session() -> dict[str, Any]:
    """A logged-in staff session as after the password and TOTP steps, written straight
    into the session store: the bench holds no authenticator app."""
    from importlib import import_module

    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from undersigned.statements.roles import MODERATORS, ORGANISERS, ensure_groups

    user, _new = get_user_model().objects.get_or_create(
        username="bench-staff@example.org",
        defaults={"email": "bench-staff@example.org", "is_staff": True},
    )
    groups = ensure_groups()
    user.groups.add(groups[MODERATORS], groups[ORGANISERS])
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return {"cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"}


def main(argv: list[str]) -> None:
    command, *rest = argv
    if command == "grow":
        result = grow(int(rest[0]))
    elif command == "plans":
        result = plans(statement())
    elif command == "deepest":
        result = deepest()
    elif command == "staff-session":
        result = staff_session()
    elif command == "clear-cache":
        cache.clear()
        result = {"cleared": True}
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
