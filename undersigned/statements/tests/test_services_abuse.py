"""Bulk invalidation (dry run, apply, undo) and the trending-sources report."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from undersigned.delivery.emails import deliver_all
from undersigned.lib import sealing
from undersigned.statements.models import (
    InvalidationBatch,
    Signature,
    Statement,
    StatementError,
    TrendingSource,
    Visibility,
)
from undersigned.statements.services import (
    Criteria,
    invalidate,
    reconcile,
    undo_invalidation,
)
from undersigned.statements.trending import report_trending
from undersigned.test import make_statement, personas

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def add(
    statement: Statement,
    n: int,
    *,
    domain: str = "example.org",
    source: str = "a" * 32,
    at: dt.datetime = T0,
    confirm: bool = True,
    quarantined: bool = False,
    visibility: int = Visibility.PUBLIC,
) -> list[Signature]:
    made = []
    for _ in range(n):
        i = Signature.objects.count()
        signature, _message = Signature.sign(
            statement,
            language="en",
            name=f"Person {i}",
            email=f"p{i}@{domain}",
            country="UA",
            visibility=visibility,
            quarantined=quarantined,
            source_digest=source,
            domain_digest=sealing.domain_digest(settings.DEDUP_KEY, domain),
            now=at,
        )
        assert signature is not None
        if confirm:
            signature.confirm(now=at)
        made.append(signature)
    return made


def assert_counts_match_rows(statement: Statement) -> None:
    report = reconcile(statement)
    assert not report.drift and report.extra["wrongly_flagged"] == 0


@pytest.fixture
def statement() -> Statement:
    return make_statement(opens_on=None)


def test_a_dry_run_says_how_many_and_changes_nothing(statement: Statement) -> None:
    add(statement, 3, domain="bots.example")
    add(statement, 2, domain="people.example")
    result = invalidate(
        statement, criteria=Criteria(domain="bots.example"), reason="", dry_run=True
    )
    assert (result.matched, result.counted, result.batch) == (3, 3, None)
    assert statement.counts()["counted"] == 5
    assert not InvalidationBatch.objects.exists()
    assert_counts_match_rows(statement)


def test_apply_then_undo_restores_exactly_the_batch(statement: Statement) -> None:
    bots = add(statement, 3, domain="bots.example")
    add(statement, 2, domain="people.example")
    earlier = invalidate(
        statement, criteria=Criteria(domain="people.example"), reason="test: first batch"
    )
    result = invalidate(statement, criteria=Criteria(domain="bots.example"), reason="flood")
    assert result.batch is not None and result.matched == 3
    assert statement.counts()["counted"] == 0 and statement.counts()["listed"] == 0
    assert set(result.batch.signatures.values_list("pk", flat=True)) == {s.pk for s in bots}
    assert_counts_match_rows(statement)

    assert undo_invalidation(result.batch) == 3
    assert statement.counts()["counted"] == 3
    assert Signature.objects.filter(invalidation_batch=earlier.batch).count() == 2
    assert_counts_match_rows(statement)
    with pytest.raises(StatementError):
        undo_invalidation(result.batch)


def test_undo_keeps_quarantined_and_pending_rows_uncounted(statement: Statement) -> None:
    add(statement, 2, quarantined=True)
    add(statement, 2, confirm=False)
    add(statement, 1)
    result = invalidate(statement, criteria=Criteria(source="a" * 32), reason="flood")
    assert result.matched == 5 and result.counted == 1
    assert undo_invalidation(result.batch) == 5  # type: ignore[arg-type]
    assert statement.counts()["counted"] == 1
    assert_counts_match_rows(statement)


def test_criteria_combine_time_window_source_and_quarantine(statement: Statement) -> None:
    add(statement, 2, at=T0, quarantined=True)
    add(statement, 2, at=T0 + dt.timedelta(hours=2), quarantined=True)
    add(statement, 1, at=T0 + dt.timedelta(hours=2), source="b" * 32)
    add(statement, 1, at=T0 + dt.timedelta(hours=2))
    criteria = Criteria(
        since=T0 + dt.timedelta(hours=1),
        until=T0 + dt.timedelta(hours=3),
        source="a" * 32,
        quarantined=True,
    )
    assert invalidate(statement, criteria=criteria, reason="", dry_run=True).matched == 2


def test_it_refuses_no_criteria_and_no_reason(statement: Statement) -> None:
    with pytest.raises(StatementError, match="at least one criterion"):
        invalidate(statement, criteria=Criteria(), reason="x")
    with pytest.raises(StatementError, match="reason"):
        invalidate(statement, criteria=Criteria(domain="x.example"), reason=" ")


def test_the_batch_records_no_domain_in_clear(statement: Statement) -> None:
    add(statement, 1, domain="tiny-union.example")
    result = invalidate(statement, criteria=Criteria(domain="tiny-union.example"), reason="r")
    assert "tiny-union" not in str(result.batch.criteria)  # type: ignore[union-attr]


def test_invalidate_and_undo_are_in_the_audit_log(statement: Statement) -> None:
    from undersigned.statements.models import AuditEntry

    moderator = personas()["moderator"]
    add(statement, 2, domain="tiny-union.example")
    result = invalidate(
        statement, criteria=Criteria(domain="tiny-union.example"), reason="flood", by=moderator
    )
    assert result.batch is not None and result.batch.created_by == "max@example.org"
    undo_invalidation(result.batch, by=moderator)
    entries = list(AuditEntry.objects.order_by("pk").values_list("action", "actor_label", "reason"))
    assert entries[-2:] == [
        ("invalidate", "max@example.org", "flood (2 signatures)"),
        ("edit", "max@example.org", "invalidation undone (2 signatures)"),
    ]
    assert "tiny-union" not in str(entries)


def test_the_command_dry_runs_by_default_then_applies_and_undoes(statement: Statement) -> None:
    add(statement, 4, domain="bots.example")
    out = StringIO()
    call_command("invalidate", statement.slug, "--domain", "bots.example", stdout=out)
    assert "Dry run: 4 signature(s) would be invalidated, 4 of them counted now" in out.getvalue()
    assert statement.counts()["counted"] == 4
    out = StringIO()
    call_command(
        "invalidate",
        statement.slug,
        "--domain",
        "bots.example",
        "--apply",
        "--reason",
        "flood",
        stdout=out,
    )
    batch = InvalidationBatch.objects.get()
    assert f"Batch {batch.pk}: 4 signature(s) invalidated" in out.getvalue()
    assert statement.counts()["counted"] == 0
    call_command("invalidate", "--undo", str(batch.pk), stdout=StringIO())
    assert statement.counts()["counted"] == 4
    assert_counts_match_rows(statement)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--domain", "x.example"], "no statement 'nope'"),
        (["stop-the-war", "--since", "yesterday"], "not a date and time"),
        (["stop-the-war", "--apply", "--reason", "r"], "at least one criterion"),
        (["--undo", "999"], "no invalidation batch 999"),
    ],
)
def test_the_command_explains_bad_input(
    statement: Statement, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("invalidate", *args)


def test_reconcile_reports_quarantined_and_invalidated(statement: Statement) -> None:
    add(statement, 2, quarantined=True)
    add(statement, 3, domain="bots.example")
    invalidate(statement, criteria=Criteria(domain="bots.example"), reason="flood")
    out = StringIO()
    call_command("reconcile", stdout=out)
    assert "quarantined 2 (2 confirmed, awaiting release), invalidated 3" in out.getvalue()


@override_settings(TRENDING_REPORT_MIN=3, TRENDING_ALERT_MIN=5)
def test_trending_records_busy_sources_and_alerts_organisers_once(statement: Statement) -> None:
    people = personas()
    add(statement, 6, source="f" * 32, domain="bots.example", at=T0 + dt.timedelta(minutes=5))
    add(statement, 1, source="c" * 32, domain="people.example", at=T0 + dt.timedelta(minutes=6))
    alerts = report_trending(now=T0 + dt.timedelta(minutes=30))
    rows = {(r.kind, r.digest): r.signatures for r in TrendingSource.objects.all()}
    assert rows[("client", "f" * 32)] == 6
    assert ("client", "c" * 32) not in rows
    assert len(alerts) == 2  # the client hash and the domain
    deliver_all()
    organiser = people["organiser"]
    assert organiser is not None
    alerts_sent = [m for m in mail.outbox if m.to == [organiser.email]]
    assert len(alerts_sent) == 2
    assert "6 signatures" in alerts_sent[0].body and "@" not in alerts_sent[0].subject
    assert f"{settings.SITE_URL}/control/trending/" in alerts_sent[0].body
    assert report_trending(now=T0 + dt.timedelta(minutes=40)) == []


@override_settings(TRENDING_REPORT_MIN=2, SIGN_DOMAIN_LIMIT="1/600")
def test_a_domain_over_its_velocity_limit_is_named_in_the_report(statement: Statement) -> None:
    digest = sealing.domain_digest(settings.DEDUP_KEY, "bots.example")
    cache.set(f"domainlabel:{digest}", "bots.example", 60)
    add(statement, 2, domain="bots.example", at=T0)
    report_trending(now=T0 + dt.timedelta(minutes=5))
    assert TrendingSource.objects.get(kind="domain").label == "bots.example"


@override_settings(TRENDING_REPORT_MIN=1, TRENDING_RETENTION_DAYS=14, ABUSE_RETENTION_DAYS=7)
def test_trending_applies_retention(statement: Statement) -> None:
    old = add(statement, 1, at=T0 - dt.timedelta(days=8))[0]
    report_trending(now=T0 - dt.timedelta(days=8) + dt.timedelta(minutes=5))
    TrendingSource.objects.update(hour=T0 - dt.timedelta(days=15))
    report_trending(now=T0)
    old.refresh_from_db()
    assert old.source_digest == "" and not TrendingSource.objects.exists()


def test_the_trending_command_runs(statement: Statement) -> None:
    out = StringIO()
    call_command("trending", stdout=out)
    assert "trending: 0 new alert(s)" in out.getvalue()


def test_signatures_without_email_leave_and_return_to_the_unverified_count() -> None:
    statement = make_statement(allow_no_email=True)
    for source in ("a" * 32, "b" * 32):
        Signature.sign(
            statement, language="en", name="No Mail", email="", country="UA", source_digest=source
        )
    assert statement.counts()["unverified"] == 2
    result = invalidate(statement, criteria=Criteria(source="a" * 32), reason="flood")
    assert statement.counts()["unverified"] == 1
    assert_counts_match_rows(statement)
    undo_invalidation(result.batch)  # type: ignore[arg-type]
    assert statement.counts()["unverified"] == 2
    assert_counts_match_rows(statement)
