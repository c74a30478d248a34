"""Database-side helpers for bench/run.py, run as a subprocess with the site's environment.

    dbtool.py fill N              add N confirmed signatures (one transaction)
    dbtool.py tokens OUT MIN      write confirm tokens of pending signatures (from the
                                  encrypted outbox) to OUT, topping up to MIN
    dbtool.py check RUN SENT...   how many of the emails bench run RUN sent (per-thread counts
                                  SENT) are in the database
    dbtool.py stats               row counts and the counter shards, as JSON

Prints one JSON object on stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from undersigned.lib import sealing  # noqa: E402
from undersigned.lib import tokens as tokens_lib  # noqa: E402
from undersigned.statements import tlog  # noqa: E402
from undersigned.statements.models import (  # noqa: E402
    OutboxMessage,  # noqa: E402
    Signature,
    Statement,
)

SLUG = "solidarity-against-war"
COUNTRIES = ["DE", "UA", "RU", "FR", "PL", "GE", "AM", "KZ"]


def statement() -> Statement:
    return Statement.objects.get(slug=SLUG)


def bulk_signatures(
    prefix: str, n: int, confirmed: bool, confirm_hashes: list[str] | None = None
) -> int:
    """Insert N signatures as sign() (and confirm()) would leave them, in bulk.

    Filling through Signature.sign() one by one would take most of the benchmark's time
    budget; these rows are the same shape, with their own sealed data, digests and token
    hashes, and the counter shards move by exactly what they add.
    """
    target = statement()
    versions = {v.language: v for v in target.versions.filter(is_current=True)}
    key = sealing.load_public_key(target.public_key)
    now = timezone.now()
    rows = []
    for i in range(n):
        language = ("en", "uk", "ru")[i % 3]
        name, email, visibility = (
            f"Filled Signer {prefix}{i}",
            f"{prefix}{i}@example.org",
            i % 4 + 1,
        )
        country, city = COUNTRIES[i % len(COUNTRIES)], "Tbilisi" if i % 2 else ""
        sealed = sealing.seal(key, {"name": name, "email": email, "country": country})
        rows.append(
            Signature(
                statement=target,
                version=versions[language],
                language=language,
                status=Signature.Status.CONFIRMED if confirmed else Signature.Status.PENDING,
                counted=confirmed,
                email_digest=sealing.email_digest(settings.DEDUP_KEY, target.pk, email),
                sealed=sealed,
                country=country,
                visibility=visibility,
                confirm_token_hash=(
                    confirm_hashes[i] if confirm_hashes else tokens_lib.new_token()[1]
                ),
                manage_token_hash=tokens_lib.new_token()[1],
                created_at=now,
                confirmed_at=now if confirmed else None,
                confirm_expires_at=now + dt.timedelta(hours=settings.CONFIRM_LINK_HOURS),
                **Signature.public_fields(visibility, name, city, ""),
            )
        )
    with transaction.atomic():
        Signature.objects.bulk_create(rows, batch_size=500)
        if confirmed:
            target.bump(counted=n, listed=sum(1 for r in rows if r.visibility < 4))
    return len(rows)


def fill(n: int) -> dict[str, object]:
    started = time.perf_counter()
    bulk_signatures(f"fill{int(time.time())}-", n, confirmed=True)
    # The worker's log tick, so the count log's scenarios have a checkpoint and tiles to serve.
    leaves, checkpoints = tlog.tick()
    return {
        "filled": n,
        "logged": leaves,
        "checkpoints": checkpoints,
        "seconds": round(time.perf_counter() - started, 2),
    }


def django_now() -> dt.datetime:
    return timezone.now()


def tokens(out: str, minimum: int) -> dict[str, object]:
    """Confirm tokens for pending signatures, from the encrypted outbox as the worker sees it."""
    found: list[str] = []
    pending_ids = set(
        Signature.objects.filter(status=Signature.Status.PENDING).values_list("pk", flat=True)
    )
    messages = OutboxMessage.objects.filter(
        kind="confirm", sent_at__isnull=True, signature_id__in=pending_ids
    )
    taken = []
    for message in messages.iterator():
        found.append(message.open_payload()["confirm_token"])
        taken.append(message.pk)
    # Taken by the bench: no worker will send them.
    for start in range(0, len(taken), 500):
        OutboxMessage.objects.filter(pk__in=taken[start : start + 500]).update(
            sent_at=django_now(), payload=None
        )
    # Top up with pending rows whose tokens we make here, if the sign scenario left too few.
    topped_up = max(0, minimum - len(found))
    if topped_up:
        found += top_up(topped_up)
    with open(out, "w") as fh:
        fh.write("\n".join(found) + "\n")
    return {"tokens": len(found), "topped_up": topped_up}


def top_up(n: int) -> list[str]:
    fresh = [tokens_lib.new_token() for _ in range(n)]
    bulk_signatures(
        f"top{int(time.time() * 1000)}-", n, False, confirm_hashes=[h for _t, h in fresh]
    )
    return [token for token, _hash in fresh]


def check(run: str, sent: list[int]) -> dict[str, object]:
    target = statement()
    digests = [
        sealing.email_digest(
            settings.DEDUP_KEY, target.pk, f"b{run}-{thread}-{n}@d{thread}-{n}.example.org"
        )
        for thread, count in enumerate(sent)
        for n in range(1, count + 1)
    ]
    found = quarantined = 0
    reasons: dict[str, int] = {}
    for start in range(0, len(digests), 500):
        rows = Signature.objects.filter(
            statement=target, email_digest__in=digests[start : start + 500]
        )
        found += rows.count()
        for codes in rows.filter(quarantined=True).values_list("quarantine_reasons", flat=True):
            quarantined += 1
            for code in codes.split(","):
                reasons[code] = reasons.get(code, 0) + 1
    return {
        "sent": len(digests),
        "in_database": found,
        "quarantined": quarantined,
        "reasons": reasons,
    }


def stats() -> dict[str, object]:
    target = statement()
    rows = Signature.objects.filter(statement=target)
    return {
        "signatures": rows.count(),
        "pending": rows.filter(status=Signature.Status.PENDING).count(),
        "confirmed": rows.filter(status=Signature.Status.CONFIRMED).count(),
        "counted_rows": rows.filter(counted=True).count(),
        "listed_rows": rows.filter(counted=True, visibility__lt=4).count(),
        "shards": target.counts(),
        "outbox": OutboxMessage.objects.count(),
    }


def main(argv: list[str]) -> None:
    command, *rest = argv
    if command == "fill":
        result = fill(int(rest[0]))
    elif command == "tokens":
        result = tokens(rest[0], int(rest[1]))
    elif command == "check":
        result = check(rest[0], [int(x) for x in rest[1:]])
    elif command == "stats":
        result = stats()
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
