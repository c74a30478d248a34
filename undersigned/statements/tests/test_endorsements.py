from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.utils import translation

from undersigned.backends.writegate import gate, lock_path
from undersigned.delivery.emails import deliver_all
from undersigned.lib import deadline, sealing
from undersigned.lib.sealing import load_private_key
from undersigned.statements.models import AuditEntry, Endorsement, OutboxMessage, StatementError
from undersigned.statements.roles import MODERATORS
from undersigned.test import TEST_KEYS, make_endorsement, make_statement, make_user

pytestmark = pytest.mark.django_db


def test_it_seals_the_contact_and_keeps_no_address_in_the_clear() -> None:
    statement = make_statement()
    endorsement = make_endorsement(statement, state="pending_confirmation")
    sealed = sealing.unseal(load_private_key(TEST_KEYS[1]), endorsement.sealed)
    assert sealed["contact_email"] == "contact@union.example.org"
    assert sealed["contact_name"] == "Olena Contact"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM statements_endorsement")
        row = repr(cursor.fetchall())
    assert "contact@union" not in row and "Olena" not in row
    assert endorsement.state == "pending_confirmation"
    assert OutboxMessage.objects.get().kind == "endorse_confirm"


def test_it_flags_a_contact_on_the_organisations_own_domain() -> None:
    statement = make_statement()
    own = make_endorsement(statement)
    other = make_endorsement(
        statement, name="Other", website="https://other.example.net/", email="x@gmail.com"
    )
    assert own.domain_matches and not other.domain_matches


def test_likely_duplicates_are_flagged_never_merged() -> None:
    statement = make_statement()
    first = make_endorsement(statement, name="Free Union of Kyiv")
    same_name = make_endorsement(statement, name="FREE union of  Kyiv!", website="https://a.org/")
    same_site = make_endorsement(
        statement, name="Another name", website="https://www.union.example.org/x"
    )
    elsewhere = make_endorsement(
        statement, name="Free Union of Kyiv", country="PL", website="https://b.org/"
    )
    assert same_name.duplicate_of == first and same_site.duplicate_of == first
    assert elsewhere.duplicate_of is None and first.duplicate_of is None
    assert Endorsement.objects.count() == 4


def test_confirm_moves_it_to_the_moderation_queue_once() -> None:
    endorsement = make_endorsement(make_statement(), state="pending_confirmation")
    endorsement.confirm()
    assert endorsement.state == "confirmed" and endorsement.confirm_token_hash is None
    with pytest.raises(StatementError):
        endorsement.confirm()


def test_approve_counts_emails_the_contact_erases_the_address_and_is_audited() -> None:
    statement = make_statement()
    endorsement = make_endorsement(statement)
    moderator = make_user("max", MODERATORS)
    endorsement.approve(by=moderator, reason="Known union")
    endorsement.refresh_from_db()
    assert endorsement.state == "approved" and endorsement.contact_box is None
    assert endorsement.decided_by == moderator
    assert statement.counts()["organisations"] == 1
    entry = AuditEntry.objects.get(action="approve")
    assert (entry.actor, entry.object_id, entry.reason) == (
        moderator,
        str(endorsement.pk),
        "Known union",
    )
    deliver_all()
    assert mail.outbox[-1].to == ["contact@union.example.org"]
    assert "approved" in mail.outbox[-1].body


def test_reject_needs_a_reason_and_sends_it_in_the_contacts_language() -> None:
    statement = make_statement()
    endorsement = make_endorsement(statement, language="uk")
    moderator = make_user("max", MODERATORS)
    with pytest.raises(StatementError):
        endorsement.reject(by=moderator, reason=" ")
    endorsement.reject(by=moderator, reason="Не вдалося перевірити")
    endorsement.refresh_from_db()
    assert endorsement.state == "rejected" and endorsement.contact_box is None
    assert statement.counts()["organisations"] == 0
    deliver_all()
    message = mail.outbox[-1]
    assert message.extra_headers["Content-Language"] == "uk"
    assert "Не вдалося перевірити" in message.body
    assert "Hello" not in message.body


def test_ask_more_keeps_the_address_until_the_decision(settings: object) -> None:
    settings.MODERATION_REPLY_TO = "moderators@example.org"  # type: ignore[attr-defined]
    endorsement = make_endorsement(make_statement())
    moderator = make_user("max", MODERATORS)
    endorsement.ask_more(by=moderator, question="Who signs for the union?")
    assert endorsement.state == "more_info_requested" and endorsement.contact_box
    deliver_all()
    assert "Who signs for the union?" in mail.outbox[-1].body
    assert mail.outbox[-1].reply_to == ["moderators@example.org"]
    endorsement.approve(by=moderator)
    assert endorsement.contact_box is None
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["ask_more", "approve"]


def test_a_decided_endorsement_cannot_be_decided_again() -> None:
    endorsement = make_endorsement(make_statement(), state="approved")
    moderator = make_user("max", MODERATORS)
    with pytest.raises(StatementError):
        endorsement.reject(by=moderator, reason="changed my mind")
    with pytest.raises(StatementError):
        endorsement.approve(by=moderator)


def test_an_unconfirmed_endorsement_cannot_be_approved() -> None:
    endorsement = make_endorsement(make_statement(), state="pending_confirmation")
    with pytest.raises(StatementError):
        endorsement.approve(by=make_user("max", MODERATORS))


def test_unconfirmed_endorsements_are_purged_once_their_link_expires() -> None:
    import datetime as dt
    from io import StringIO

    import time_machine
    from django.core.management import call_command

    statement = make_statement()
    make_endorsement(statement, name="Never confirmed", state="pending_confirmation")
    kept = make_endorsement(statement, name="Confirmed", website="https://c.example/")
    assert Endorsement.purge_unconfirmed() == 0
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        out = StringIO()
        call_command("purge_endorsements", stdout=out)
        call_command("purge_endorsements", stdout=StringIO())
    assert "deleted 1" in out.getvalue()
    assert list(Endorsement.objects.all()) == [kept]


def test_the_organisations_count_reconciles_with_the_approved_rows() -> None:
    from django.db.models import F

    from undersigned.statements.models import CountShard
    from undersigned.statements.services import reconcile

    statement = make_statement()
    make_endorsement(statement, state="approved")
    make_endorsement(statement, name="Waiting", website="https://w.example/")
    assert reconcile(statement).drift == {}
    CountShard.objects.filter(statement=statement, shard=2).update(
        organisations=F("organisations") + 3
    )
    assert reconcile(statement).drift == {"organisations": 3}
    reconcile(statement, fix=True)
    assert statement.counts()["organisations"] == 1


def test_a_hidden_organisation_is_shown_by_country_and_kind_only() -> None:
    hidden = make_endorsement(
        make_statement(), name="Secret Union", note="Our branch", country="RU", hidden=True
    )
    with translation.override("en"):
        assert hidden.public_name == "An organisation in Russia (Trade union)"
    with translation.override("uk"):
        assert hidden.public_name == "Організація з країни Росія (Профспілка)"
    assert (hidden.public_website, hidden.public_note) == ("", "")
    # The moderators still have the real details, and the sealed copy says it chose to hide.
    assert (hidden.name, hidden.website) == ("Secret Union", "https://union.example.org/")
    assert sealing.unseal(load_private_key(TEST_KEYS[1]), hidden.sealed)["hidden"] is True
    named = make_endorsement(make_statement(slug="other"), note="Hello")
    assert (named.public_name, named.public_website, named.public_note) == (
        "Free Union of Kyiv",
        "https://union.example.org/",
        "Hello",
    )


def test_a_hidden_organisation_counts_like_any_other() -> None:
    statement = make_statement()
    make_endorsement(statement, state="approved", hidden=True)
    make_endorsement(statement, name="Named", website="https://n.org/", state="approved")
    statement.refresh_from_db()
    assert statement.counts()["organisations"] == 2


def test_naming_a_hidden_organisation_is_audited_and_needs_a_reason() -> None:
    moderator = make_user("max", MODERATORS)
    hidden = make_endorsement(make_statement(), state="approved", hidden=True)
    with pytest.raises(StatementError):
        hidden.name_publicly(moderator, "  ")
    hidden.name_publicly(moderator, "The contact wrote on 2 Dec")
    hidden.refresh_from_db()
    assert not hidden.hidden and hidden.public_name == "Free Union of Kyiv"
    entry = AuditEntry.objects.get(action="name_publicly")
    assert entry.actor == moderator and entry.reason == "The contact wrote on 2 Dec"
    with pytest.raises(StatementError):
        hidden.name_publicly(moderator, "again")


def test_an_endorsement_past_its_budget_writes_nothing() -> None:
    statement = make_statement()
    with deadline.until(time.monotonic() - 1), pytest.raises(deadline.DeadlineExceeded):
        make_endorsement(statement, state=Endorsement.State.PENDING)
    assert not Endorsement.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the write gate is SQLite's")
@pytest.mark.django_db(transaction=True)  # the gate is taken outside a test's transaction
def test_an_endorsement_waits_at_the_write_gate_no_longer_than_its_budget() -> None:
    statement = make_statement()
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # another writer holds the database, as a long command would
        with gate(lock_path()):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        started = time.monotonic()
        with deadline.until(started + 0.3), pytest.raises(deadline.DeadlineExceeded):
            make_endorsement(statement, state=Endorsement.State.PENDING)
        assert time.monotonic() - started < 2  # not the gate's 20 s
    finally:
        release.set()
        holder.join()
    assert not Endorsement.objects.exists()
