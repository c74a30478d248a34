from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from undersigned.statements.hotpath import fastinsert
from undersigned.statements.models import OutboxMessage, Signature
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_a_row_inserted_fast_reads_back_as_the_orm_would_have_written_it() -> None:
    statement = make_statement()
    when = dt.datetime(2026, 11, 27, 5, 0, tzinfo=dt.UTC)
    fast = OutboxMessage(
        kind="confirm", language="uk", statement=statement, payload=b"\x00sealed", created_at=when
    )
    slow = OutboxMessage(
        kind="confirm", language="uk", statement=statement, payload=b"\x00sealed", created_at=when
    )
    fastinsert.insert(fast)
    slow.save(force_insert=True)
    assert fast.pk is not None and not fast._state.adding
    stored_fast, stored_slow = (OutboxMessage.objects.get(pk=m.pk) for m in (fast, slow))
    assert bytes(stored_fast.payload) == b"\x00sealed"
    ignore = {"id", "next_attempt_at"}  # next_attempt_at defaults to the moment of creation
    fast_fields = {k: v for k, v in model_to_dict(stored_fast).items() if k not in ignore}
    slow_fields = {k: v for k, v in model_to_dict(stored_slow).items() if k not in ignore}
    assert fast_fields == slow_fields
    assert stored_fast.created_at == when


def test_a_unique_conflict_raises_djangos_integrity_error_and_rolls_back() -> None:
    statement = make_statement()
    version = statement.text("en")

    def signature() -> Signature:
        return Signature(
            statement=statement, version=version, language="en", country="DE",
            email_digest="d" * 64, confirm_token_hash=None,
        )  # fmt: skip

    fastinsert.insert(signature())
    with pytest.raises(IntegrityError), transaction.atomic():
        fastinsert.insert(signature())
    assert Signature.objects.count() == 1


def test_an_instance_with_a_primary_key_goes_through_save() -> None:
    statement = make_statement()
    message = OutboxMessage(pk=4242, kind="confirm", language="en", statement=statement)
    fastinsert.insert(message)
    assert OutboxMessage.objects.filter(pk=4242).exists()


@pytest.mark.django_db(transaction=True)
def test_a_pair_goes_in_together_or_not_at_all() -> None:
    """On PostgreSQL one statement outside any transaction; elsewhere one transaction."""
    statement = make_statement()
    version = statement.text("en")

    def pair() -> tuple[Signature, OutboxMessage]:
        signature = Signature(
            statement=statement, version=version, language="en", country="DE",
            email_digest="e" * 64,
        )  # fmt: skip
        return signature, OutboxMessage(kind="confirm", language="en", statement=statement)

    signature, message = pair()
    fastinsert.insert_pair(signature, message, "signature")
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert stored.signature_id == signature.pk and message.signature == signature
    assert Signature.objects.get(pk=signature.pk).email_digest == "e" * 64
    with pytest.raises(IntegrityError):
        fastinsert.insert_pair(*pair(), "signature")  # the same address: the first row fails
    assert (Signature.objects.count(), OutboxMessage.objects.count()) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_a_failed_pair_leaves_no_transaction_open_and_the_gate_free() -> None:
    """On SQLite the pair runs on the DB-API connection: after a conflict it must have rolled
    back, released the write gate, and left Django's view of the connection as it was."""
    from django.db import connection

    statement = make_statement()
    version = statement.text("en")

    def pair(digest: str) -> tuple[Signature, OutboxMessage]:
        signature = Signature(
            statement=statement, version=version, language="en", country="DE",
            email_digest=digest,
        )  # fmt: skip
        return signature, OutboxMessage(kind="confirm", language="en", statement=statement)

    fastinsert.insert_pair(*pair("f" * 64), "signature")
    with pytest.raises(IntegrityError):
        fastinsert.insert_pair(*pair("f" * 64), "signature")
    if connection.vendor == "sqlite":
        assert not connection.connection.in_transaction
    assert connection.get_autocommit() and not connection.in_atomic_block
    if connection.vendor == "sqlite":
        from undersigned.backends.writegate import _gate_for, lock_path

        gate = _gate_for(lock_path())
        assert gate.holder is None and not gate.threads.locked()
    signature, message = pair("g" * 64)
    fastinsert.insert_pair(signature, message, "signature")  # the gate was released
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert stored.signature_id == signature.pk
    assert Signature.objects.get(pk=signature.pk).version_id == version.pk
    assert (Signature.objects.count(), OutboxMessage.objects.count()) == (2, 2)


def test_fields_that_set_themselves_on_insert_still_do() -> None:
    """auto_now_add runs its own pre_save; plain fields are read as they are."""
    from undersigned.statements.models import BlockedSource

    row = BlockedSource(kind="domain", value="example.net")
    fastinsert.insert(row)
    stored = BlockedSource.objects.get(pk=row.pk)
    assert stored.created_at is not None and stored.created_at == row.created_at
    assert (stored.kind, stored.value) == ("domain", "example.net")


def test_plain_values_pass_as_they_are_and_others_take_the_fields_own_path() -> None:
    from django.db import connection

    from undersigned.statements.hotpath.fastinsert import _preparer

    country = _preparer(Signature._meta.get_field("country"), connection)  # type: ignore[arg-type]
    language = _preparer(Signature._meta.get_field("language"), connection)  # type: ignore[arg-type]
    visibility = _preparer(Signature._meta.get_field("visibility"), connection)  # type: ignore[arg-type]
    assert country.__name__ == "<lambda>"  # CountryField converts values: its own path
    assert language("uk") == "uk" and language(None) is None
    assert visibility(2) == 2 and visibility("3") == 3  # a string still becomes an int
