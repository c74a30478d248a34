"""The moderators' tools in the admin: block list, bulk invalidation, trending, release."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from undersigned.public import screening
from undersigned.statements.models import (
    BlockedSource,
    InvalidationBatch,
    Signature,
    Statement,
    TrendingSource,
)
from undersigned.statements.services import reconcile
from undersigned.test import make_statement, personas, staff_client

pytestmark = pytest.mark.django_db

ADD_BATCH = "/admin/statements/invalidationbatch/add/"


@pytest.fixture
def people(settings: object) -> dict[str, object]:
    # Personas get real passwords; a fast hasher keeps the set-up from dominating.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    return dict(personas())


def login(people: dict[str, object], who: str) -> Client:
    """Logged in with a verified second factor, as the admin requires of staff."""
    client: Client = staff_client(people[who])  # type: ignore[arg-type]
    return client


def signed(statement: Statement, n: int, domain: str = "bots.example") -> None:
    for i in range(n):
        signature, _m = Signature.sign(
            statement,
            language="en",
            name="X",
            email=f"b{i}@{domain}",
            country="UA",
            domain_digest=screening.domain_digest(domain),
        )
        assert signature is not None
        signature.confirm()


@pytest.mark.parametrize(
    ("who", "status"),
    [("organiser", 200), ("moderator", 200), ("stranger", 302), ("anonymous", 302)],
)
def test_who_may_open_bulk_invalidation(people: dict[str, object], who: str, status: int) -> None:
    assert login(people, who).get(ADD_BATCH).status_code == status


def test_a_moderator_dry_runs_then_applies_then_undoes(people: dict[str, object]) -> None:
    statement = make_statement()
    signed(statement, 3)
    client = login(people, "moderator")
    form = {"statement": statement.pk, "domain": "bots.example", "reason": "flood"}
    response = client.post(ADD_BATCH, {**form, "dry_run": "1"})
    assert "Dry run: 3 signature(s) would be invalidated; 3 of them count now." in (
        response.content.decode()
    )
    assert statement.counts()["counted"] == 3
    response = client.post(ADD_BATCH, {**form, "apply": "1"})
    assert response.status_code == 302
    batch = InvalidationBatch.objects.get()
    assert batch.size == 3 and batch.created_by == "max@example.org"
    assert statement.counts()["counted"] == 0 and not reconcile(statement).drift
    response = client.post(
        "/admin/statements/invalidationbatch/",
        {"action": "undo", "_selected_action": [batch.pk]},
    )
    assert response.status_code == 302
    assert statement.counts()["counted"] == 3 and not reconcile(statement).drift


def test_bad_criteria_get_a_clear_message(people: dict[str, object]) -> None:
    statement = make_statement()
    client = login(people, "moderator")
    response = client.post(ADD_BATCH, {"statement": statement.pk, "apply": "1", "reason": "r"})
    assert response.status_code == 200
    assert "Give at least one criterion" in response.content.decode()
    response = client.post(ADD_BATCH, {"statement": statement.pk, "since": "soon", "dry_run": "1"})
    assert "Enter a valid date/time." in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("organiser", 200), ("moderator", 403)])
def test_only_organisers_manage_the_block_list(
    people: dict[str, object], who: str, status: int
) -> None:
    response = login(people, who).get("/admin/statements/blockedsource/add/")
    assert response.status_code == status


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("domain", "@Bots.Example", "bots.example"),
        ("network", "192.0.2.7/24", "192.0.2.0/24"),
        ("address", "Eve@Example.org", screening.address_digest),
    ],
)
def test_block_entries_are_normalised_and_addresses_digested(
    people: dict[str, object], kind: str, value: str, stored: object
) -> None:
    client = login(people, "organiser")
    response = client.post(
        "/admin/statements/blockedsource/add/", {"kind": kind, "value": value, "note": ""}
    )
    assert response.status_code == 302
    expected = stored(value) if callable(stored) else stored
    assert BlockedSource.objects.get().value == expected
    assert "eve@" not in BlockedSource.objects.get().value.lower()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("domain", "not a domain", "Enter a domain such as example.org."),
        ("address", "nope", "Enter a valid email address."),
        ("network", "300.1.1.1/8", "Enter an address or range such as 203.0.113.0/24."),
    ],
)
def test_bad_block_entries_are_explained(
    people: dict[str, object], kind: str, value: str, message: str
) -> None:
    client = login(people, "organiser")
    response = client.post("/admin/statements/blockedsource/add/", {"kind": kind, "value": value})
    assert response.status_code == 200 and message in response.content.decode()


def test_a_new_block_takes_effect_at_once(
    people: dict[str, object], django_capture_on_commit_callbacks: object
) -> None:
    screening.blocklist()  # warm the cached, empty list
    client = login(people, "organiser")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(
            "/admin/statements/blockedsource/add/", {"kind": "domain", "value": "x.example"}
        )
    assert "x.example" in screening.blocklist()[0]


def test_moderators_see_trending_sources_with_a_link_to_act(people: dict[str, object]) -> None:
    statement = make_statement()
    TrendingSource.objects.create(
        statement=statement,
        hour=dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC),
        kind="client",
        digest="f" * 32,
        signatures=40,
    )
    body = login(people, "moderator").get("/admin/statements/trendingsource/").content.decode()
    assert "f" * 32 in body and "source=" + "f" * 32 in body
    assert login(people, "stranger").get("/admin/statements/trendingsource/").status_code == 302


def test_a_moderator_releases_a_quarantined_signature(people: dict[str, object]) -> None:
    statement = make_statement()
    signature, _m = Signature.sign(
        statement, language="en", name="X", email="x@example.org", country="UA", quarantined=True
    )
    assert signature is not None
    signature.confirm()
    response = login(people, "moderator").post(
        "/admin/statements/signature/", {"action": "release", "_selected_action": [signature.pk]}
    )
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.counted and statement.counts()["counted"] == 1
