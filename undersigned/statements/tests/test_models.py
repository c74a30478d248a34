from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.db import connection

from undersigned.lib import deadline, sealing
from undersigned.statements.counting import QUARANTINED_Q
from undersigned.statements.models import (
    OutboxMessage,
    Signature,
    Statement,
    StatementError,
    Visibility,
)
from undersigned.test import TEST_KEYS, make_statement

pytestmark = pytest.mark.django_db

SIGNER = {
    "language": "en",
    "name": "Anna Kovalenko",
    "email": "anna@example.org",
    "country": "UA",
    "city": "Lviv",
    "affiliation": "Teachers' union",
}


def test_sign_seals_personal_data_and_queues_the_email_in_one_go() -> None:
    statement = make_statement()
    signature, message = Signature.sign(statement, visibility=Visibility.HIDDEN, **SIGNER)
    assert signature is not None and signature.status == "pending" and not signature.counted
    assert signature.public_name == "" and signature.public_city == ""
    opened = sealing.unseal(sealing.load_private_key(TEST_KEYS[1]), signature.sealed)
    assert opened["email"] == "anna@example.org" and opened["name"] == "Anna Kovalenko"
    assert message.kind == "confirm" and message.open_payload()["to"] == "anna@example.org"


@pytest.mark.parametrize(
    ("visibility", "name", "city", "affiliation"),
    [
        (Visibility.PUBLIC, "Anna Kovalenko", "Lviv", "Teachers' union"),
        (Visibility.NAME_ONLY, "Anna Kovalenko", "", ""),
        (Visibility.INITIALS, "A.K.", "", ""),
        (Visibility.HIDDEN, "", "", ""),
    ],
)
def test_only_what_the_signer_made_public_is_kept_in_the_clear(
    visibility: int, name: str, city: str, affiliation: str
) -> None:
    signature, _ = Signature.sign(make_statement(), visibility=visibility, **SIGNER)
    assert signature is not None
    assert (signature.public_name, signature.public_city, signature.public_affiliation) == (
        name,
        city,
        affiliation,
    )


def test_confirm_counts_and_withdraw_uncounts() -> None:
    statement = make_statement()
    signature, _ = Signature.sign(statement, visibility=Visibility.PUBLIC, **SIGNER)
    assert signature is not None
    signature.confirm()
    assert statement.counts() == {"counted": 1, "listed": 1, "unverified": 0, "organisations": 0}
    signature.withdraw()
    assert statement.counts() == {"counted": 0, "listed": 0, "unverified": 0, "organisations": 0}
    assert signature.public_name == ""


def test_a_hidden_signature_is_counted_but_not_listed() -> None:
    statement = make_statement()
    signature, _ = Signature.sign(statement, visibility=Visibility.HIDDEN, **SIGNER)
    assert signature is not None
    signature.confirm()
    assert statement.counts() == {"counted": 1, "listed": 0, "unverified": 0, "organisations": 0}


def test_a_quarantined_signature_confirms_but_never_counts() -> None:
    statement = make_statement()
    signature, _ = Signature.sign(statement, quarantined=True, **SIGNER)
    assert signature is not None
    signature.confirm()
    assert signature.status == "confirmed" and not signature.counted
    assert statement.counts()["counted"] == 0


def test_it_refuses_to_confirm_twice() -> None:
    signature, _ = Signature.sign(make_statement(), **SIGNER)
    assert signature is not None
    signature.confirm()
    with pytest.raises(StatementError):
        signature.confirm()


def test_an_expired_link_does_not_confirm() -> None:
    signature, _ = Signature.sign(make_statement(), **SIGNER)
    assert signature is not None
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        with pytest.raises(StatementError, match="expired"):
            signature.confirm()


def test_a_second_signature_with_the_same_address_records_nothing_new() -> None:
    statement = make_statement()
    first, _ = Signature.sign(statement, **SIGNER)
    again, message = Signature.sign(statement, **{**SIGNER, "email": " ANNA@example.org"})
    assert first is not None and again is None
    assert Signature.objects.count() == 1
    assert message.kind == "already_signed" and "manage_token" in message.open_payload()


def test_after_withdrawing_one_may_sign_again() -> None:
    statement = make_statement()
    first, _ = Signature.sign(statement, **SIGNER)
    assert first is not None
    first.withdraw()
    again, _ = Signature.sign(statement, **SIGNER)
    assert again is not None and again.pk != first.pk


def test_signing_without_an_organisers_key_fails_closed() -> None:
    statement = make_statement(public_key="")
    with pytest.raises(StatementError, match="cannot take signatures"):
        Signature.sign(statement, **SIGNER)
    assert Signature.objects.count() == 0 and OutboxMessage.objects.count() == 0


@pytest.mark.parametrize("state", [Statement.State.DRAFT, Statement.State.CLOSED])
def test_a_draft_or_closed_statement_takes_no_signatures(state: str) -> None:
    with pytest.raises(StatementError):
        Signature.sign(make_statement(state=state), **SIGNER)


def test_publish_and_close_are_named_state_changes() -> None:
    statement = make_statement(state=Statement.State.DRAFT)
    statement.publish()
    with pytest.raises(StatementError):
        statement.publish()
    statement.close()
    assert statement.state == "closed" and statement.closed_at is not None


def table_dump() -> str:
    """Every row of every table, as text: what a seized database shows."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                lines.append(repr([bytes(v) if isinstance(v, memoryview) else v for v in row]))
    return "\n".join(lines)


def test_no_email_or_hidden_name_reaches_the_database() -> None:
    from undersigned.delivery.emails import deliver_all

    statement = make_statement()
    for i in range(30):
        signature, _ = Signature.sign(
            statement,
            language="en",
            name=f"Hidden Person{i}",
            email=f"hidden{i}@example.org",
            country="RU",
            visibility=Visibility.HIDDEN,
        )
        if i % 2 and signature is not None:
            signature.confirm()
    deliver_all()
    dump = table_dump()
    assert "@example.org" not in dump
    assert "Hidden Person" not in dump


def test_of_two_racing_confirmations_one_wins_and_the_count_moves_once() -> None:
    """Both requests read the signature as pending before either writes: the conditional
    UPDATE, not the earlier read, decides."""
    statement = make_statement()
    signature, _message = Signature.sign(statement, visibility=Visibility.PUBLIC, **SIGNER)
    assert signature is not None
    first, second = Signature.objects.get(pk=signature.pk), Signature.objects.get(pk=signature.pk)
    first.confirm()
    with pytest.raises(StatementError):
        second.confirm()
    assert statement.counts()["counted"] == 1 and statement.counts()["listed"] == 1
    assert Signature.objects.get(pk=signature.pk).status == "confirmed"


def counted_rows(statement: Statement) -> dict[str, int]:
    rows = Signature.objects.filter(statement=statement, counted=True)
    return {"counted": rows.count(), "listed": rows.filter(visibility__lt=4).count()}


def test_a_signer_who_hides_between_reading_and_confirming_is_not_listed() -> None:
    """The confirm view reads the signature without a lock; the manage link may change it
    before the confirmation is written. The counters follow the row as written."""
    statement = make_statement()
    signature, _message = Signature.sign(statement, visibility=Visibility.PUBLIC, **SIGNER)
    assert signature is not None
    stale = Signature.objects.get(pk=signature.pk)
    Signature.objects.get(pk=signature.pk).lower_visibility(Visibility.HIDDEN)
    stale.confirm()
    counts = statement.counts()
    assert {k: counts[k] for k in ("counted", "listed")} == counted_rows(statement)
    assert counted_rows(statement) == {"counted": 1, "listed": 0}
    assert not stale.listed


def test_an_invalidation_between_reading_and_confirming_holds() -> None:
    from undersigned.statements import services

    statement = make_statement()
    signature, _message = Signature.sign(statement, visibility=Visibility.PUBLIC, **SIGNER)
    assert signature is not None
    stale = Signature.objects.get(pk=signature.pk)
    result = services.invalidate(
        statement, criteria=services.Criteria(since=signature.created_at), reason="bots"
    )
    stale.confirm()
    stored = Signature.objects.get(pk=signature.pk)
    assert stored.status == "confirmed" and stored.invalidated_at is not None
    assert not stored.counted and statement.counts()["counted"] == 0
    assert result.batch is not None
    services.undo_invalidation(result.batch)
    counts = statement.counts()
    assert {k: counts[k] for k in ("counted", "listed")} == counted_rows(statement)
    assert counted_rows(statement) == {"counted": 1, "listed": 1}


def test_a_new_signature_writes_no_index_it_does_not_need() -> None:
    """Every index is one more entry each signature writes while the surge queues behind
    it. No text column of a signature asks for PostgreSQL's extra LIKE index (db_index or
    unique on a CharField would), and the version has no index of its own."""
    from django.db.models import CharField

    with_like_index = [
        field.name
        for field in Signature._meta.concrete_fields
        if isinstance(field, CharField) and (field.db_index or field.unique)
    ]
    assert with_like_index == []
    assert not Signature._meta.get_field("version").db_index
    names = {constraint.name for constraint in Signature._meta.constraints}
    assert {"unique_confirm_token", "unique_manage_token"} <= names


def test_link_token_hashes_stay_unique() -> None:
    from django.db import IntegrityError, transaction

    statement = make_statement()
    version = statement.text("en")

    def signature(**hashes: str) -> Signature:
        return Signature.objects.create(
            statement=statement, version=version, language="en", country="DE", **hashes
        )

    signature(confirm_token_hash="c" * 64, manage_token_hash="m" * 64)
    for taken in ({"confirm_token_hash": "c" * 64}, {"manage_token_hash": "m" * 64}):
        with pytest.raises(IntegrityError), transaction.atomic():
            signature(**taken)
    assert Signature.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_confirmations_outside_any_transaction_commit_with_their_counter_shard() -> None:
    """The path a request takes: its own write transaction (on SQLite, the DB-API
    connection's), not a savepoint of a test's transaction."""
    statement = make_statement()
    public, _ = Signature.sign(statement, visibility=Visibility.PUBLIC, **SIGNER)
    held, _ = Signature.sign(statement, quarantined=True, **{**SIGNER, "email": "b@example.org"})
    assert public is not None and held is not None
    public.confirm()
    held.confirm()
    with pytest.raises(StatementError):
        Signature.objects.get(pk=public.pk).confirm()
    if connection.vendor == "sqlite":
        assert not connection.connection.in_transaction
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert public.counted and public.listed and not held.counted
    assert statement.counts()["counted"] == 1 and statement.counts()["listed"] == 1
    assert counted_rows(statement) == {"counted": 1, "listed": 1}
    assert set(Signature.objects.values_list("status", flat=True)) == {"confirmed"}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan text checked is SQLite's")
def test_the_quarantine_list_reads_only_releasable_rows_in_order() -> None:
    """The moderators' list of quarantined signatures, oldest first: through its own partial
    index, in order and from a key, instead of reading and sorting every signature."""
    waiting = Signature.objects.filter(QUARANTINED_Q).order_by("created_at", "id")
    first = waiting.explain()
    assert "USING INDEX quarantine_waiting" in first and "TEMP B-TREE" not in first, first
    when = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    keyed = waiting.filter(created_at__gte=when).explain()
    assert "SEARCH statements_signature USING INDEX quarantine_waiting (created_at>?)" in keyed


def test_a_signature_without_email_past_its_budget_writes_nothing() -> None:
    statement = make_statement(allow_no_email=True)
    with deadline.until(time.monotonic() - 1), pytest.raises(deadline.DeadlineExceeded):
        Signature.sign(statement, language="en", name="Lone", email="", country="UA")
    assert not Signature.objects.exists()
