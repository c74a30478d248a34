"""Test personas and the rows tests start from: staff users, statements, endorsements,
and what a browser sends."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from undersigned.lib import markdown
from undersigned.lib.sealing import generate_keypair
from undersigned.statements.models import (
    CountShard,
    Endorsement,
    Signature,
    Statement,
    StatementVersion,
)
from undersigned.statements.roles import MODERATORS, ORGANISERS, ensure_groups

PASSWORD = "correct horse battery staple 42"
TEST_KEYS = generate_keypair()  # (public, private) for the whole test session
DEMO = Path(__file__).resolve().parents[1] / "demo"
DEMO_FILES = [DEMO / "statement.md", DEMO / "statement.uk.md", DEMO / "statement.ru.md"]


def make_user(name: str, role: str | None) -> AbstractUser:
    User = get_user_model()
    user = User.objects.create_user(
        username=f"{name}@example.org",
        email=f"{name}@example.org",
        password=PASSWORD,
        is_staff=role is not None,
    )
    if role:
        user.groups.add(ensure_groups()[role])
    return user  # type: ignore[return-value]


def personas() -> dict[str, AbstractUser | None]:
    return {
        "organiser": make_user("olga", ORGANISERS),
        "moderator": make_user("max", MODERATORS),
        "stranger": make_user("sam", None),
        "anonymous": None,
    }


def make_statement(
    slug: str = "stop-the-war",
    *,
    state: str = Statement.State.PUBLISHED,
    languages: tuple[str, ...] = ("en", "uk", "ru"),
    public_key: str | None = None,
    goal: int | None = 1000,
    **fields: Any,
) -> Statement:
    statement = Statement.objects.create(
        slug=slug,
        state=state,
        primary_language=languages[0],
        languages=list(languages),
        goal=goal,
        public_key=TEST_KEYS[0] if public_key is None else public_key,
        **fields,
    )
    for language in languages:
        body = f"Body of the statement in {language}."
        StatementVersion.objects.create(
            statement=statement,
            language=language,
            number=1,
            title=f"Title {language}",
            demands=[f"Demand one {language}", f"Demand two {language}"],
            body_markdown=body,
            body_html=markdown.render(body),
            content_hash=markdown.content_hash(f"Title {language}", body),
        )
    for shard in range(settings.COUNT_SHARDS):
        CountShard.objects.create(statement=statement, shard=shard)
    return statement


def signed_up(
    statement: Statement,
    email: str = "anna@example.org",
    *,
    name: str = "Anna Kovalenko",
    confirm: bool = True,
    **fields: Any,
) -> tuple[Signature, dict[str, Any]]:
    """A signature in English from Ukraine (FIELDS change that), confirmed unless CONFIRM
    is False, and what its email carries: its confirm_token and manage_token."""
    fields = {"language": "en", "country": "UA", **fields}
    signature, message = Signature.sign(statement, name=name, email=email, **fields)
    assert signature is not None and message is not None
    if confirm:
        signature.confirm()
    return signature, message.open_payload()


def reworded(tmp_path: Path) -> Path:
    """The demo's English text with one word more, written into TMP_PATH: imported with the
    other demo files, it makes a new version of the primary text."""
    primary = tmp_path / "statement.md"
    primary.write_text(DEMO_FILES[0].read_text().replace("We", "We all", 1))
    return primary


def counted_signatures(statement: Statement, versions: Iterable[StatementVersion]) -> None:
    """A confirmed, counted signature for each of VERSIONS; the counter shards are left
    as they are."""
    for n, version in enumerate(versions):
        Signature.objects.create(
            statement=statement,
            version=version,
            language=version.language,
            status="confirmed",
            counted=True,
            email_digest=f"{n:064x}",
            country="UA",
        )


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def totp_device(user: AbstractUser) -> Any:
    """A confirmed TOTP device for USER, as after the two-factor set-up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device: Any, at: float | None = None) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def staff_client(user: AbstractUser | None) -> Any:
    """A test client logged in as USER with a verified second factor (None: anonymous)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    client = Client()
    if user is None:
        return client
    client.force_login(user)  # type: ignore[arg-type]
    if user.is_staff:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def make_endorsement(
    statement: Statement,
    *,
    name: str = "Free Union of Kyiv",
    country: str = "UA",
    website: str = "https://union.example.org/",
    email: str = "contact@union.example.org",
    kind: str = "union",
    language: str = "en",
    state: str = "confirmed",
    **extra: Any,
) -> Any:
    """An endorsement already in STATE (pending_confirmation, confirmed or approved)."""
    endorsement = Endorsement.submit(
        statement,
        language=language,
        name=name,
        country=country,
        website=website,
        kind=kind,
        contact_name="Olena Contact",
        contact_email=email,
        **extra,
    )
    if state != Endorsement.State.PENDING:
        endorsement.confirm()
    if state == Endorsement.State.APPROVED:
        endorsement.approve(by=make_user(f"approver{endorsement.pk}", MODERATORS))
    return endorsement


def proof(statement: Statement, now: dt.datetime | None = None) -> str:
    """A solved proof-of-work for STATEMENT, as pow.js sends it (an easy one, for speed)."""
    from undersigned.lib.proofofwork import new_challenge, solve

    challenge = new_challenge(
        settings.SECRET_KEY,
        statement_id=statement.pk,
        now=now or dt.datetime.now(dt.UTC),
        max_number=300,
        minutes=settings.POW_EXPIRES_MINUTES,
    )
    return solve(challenge)


def endorse_form(**fields: str) -> dict[str, str]:
    """What a browser sends from the endorse form's visible fields: one union's, with FIELDS
    (named without the form's "org-" prefix) in place of its own."""
    values = {
        "name": "Free Union of Kyiv",
        "country": "UA",
        "website": "https://union.example.org/",
        "kind": "union",
        "contact_name": "Olena Contact",
        "contact_email": "contact@union.example.org",
        **fields,
    }
    return {f"org-{name}": value for name, value in values.items()}


def sign_form(
    email: str, *, altcha: str = "", seconds_ago: float = 10, **fields: str
) -> dict[str, str]:
    """What a person's browser sends from the sign form, filled in SECONDS_AGO seconds."""
    from undersigned.public.screening import started_token

    return {
        "name": "Anna Kovalenko",
        "email": email,
        "country": "UA",
        "city": "",
        "affiliation": "",
        "visibility": "4",
        "website": "",
        "started": started_token(time.time() - seconds_ago),
        "altcha": altcha,
        **fields,
    }
