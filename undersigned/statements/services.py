"""Workflows across many rows: importing a statement, reconciling counts, bulk
invalidation and its undo. The trending-sources report is in trending.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.lib import markdown, sealing
from undersigned.lib.statement_files import StatementSource, StatementText
from undersigned.statements import counting
from undersigned.statements.models import (
    CountShard,
    Endorsement,
    InvalidationBatch,
    Signature,
    Statement,
    StatementError,
    StatementVersion,
    record,
)


def _who(by: Any) -> str:
    """The staff member's user name, or who acted from the command line."""
    if by is not None and getattr(by, "is_authenticated", False):
        return str(by.get_username())[:150]
    return "command line"


@dataclass
class ImportResult:
    statement: Statement
    created: bool
    new_versions: list[str] = field(default_factory=list)
    updated_in_place: list[str] = field(default_factory=list)


@transaction.atomic
def import_statement(source: StatementSource, *, public_key: str | None = None) -> ImportResult:
    interface = {code for code, _name in settings.LANGUAGES}
    unknown = [code for code in source.languages if code not in interface]
    if unknown:
        raise StatementError(
            _("Language(s) %(codes)s are not among the site's languages (LANGUAGES).")
            % {"codes": ", ".join(unknown)}
        )
    key = public_key or source.public_key or settings.ORGANISERS_PUBLIC_KEY or ""
    if key:
        try:
            sealing.load_public_key(key)
        except sealing.KeyError_ as exc:
            raise StatementError(str(exc)) from None
    statement, created = Statement.objects.get_or_create(
        slug=source.slug, defaults={"primary_language": source.primary_language}
    )
    _apply_front_matter(statement, source, key)
    result = ImportResult(statement, created)
    # The primary text first: a translation changed in this import translates its version.
    primary = _import_text(
        statement, source.primary_language, source.texts[source.primary_language], result, None
    )
    for language, text in source.texts.items():
        if language != source.primary_language:
            _import_text(statement, language, text, result, primary.number)
    for shard in range(settings.COUNT_SHARDS):
        CountShard.objects.get_or_create(statement=statement, shard=shard)
    return result


def _apply_front_matter(statement: Statement, source: StatementSource, key: str) -> None:
    statement.primary_language = source.primary_language
    statement.languages = source.languages
    statement.goal = source.goal
    statement.opens_on = source.opens
    statement.closes_on = source.closes
    statement.allow_no_email = source.allow_no_email
    if source.retention_days is not None:
        statement.retention_days = source.retention_days
    if key:
        statement.public_key = key
    statement.save()


def _import_text(
    statement: Statement,
    language: str,
    text: StatementText,
    result: ImportResult,
    primary_number: int | None,
) -> StatementVersion:
    """A change of substance makes a new version; a formatting fix updates it in place.

    PRIMARY_NUMBER is the primary text's current version, for a translation (None for the
    primary text itself). An unchanged translation keeps the version it was made from, so
    the page can say that the original has changed since.
    """
    digest = markdown.content_hash(text.title, *text.demands, text.body)
    current = statement.versions.filter(language=language, is_current=True).first()
    if current is not None and current.content_hash == digest:
        if (current.body_markdown, current.title, current.demands) != (
            text.body,
            text.title,
            text.demands,
        ):
            current.body_markdown = text.body
            current.body_html = markdown.render(text.body)
            current.title, current.demands = text.title, text.demands
            current.save(update_fields=["body_markdown", "body_html", "title", "demands"])
            result.updated_in_place.append(language)
        return current
    number = 1
    if current is not None:
        number = current.number + 1
        current.is_current = False
        current.save(update_fields=["is_current"])
    version = StatementVersion.objects.create(
        statement=statement,
        language=language,
        number=number,
        primary_number=number if primary_number is None else primary_number,
        title=text.title,
        demands=text.demands,
        body_markdown=text.body,
        body_html=markdown.render(text.body),
        content_hash=digest,
    )
    result.new_versions.append(f"{language} v{number}")
    return version


@dataclass
class Reconciliation:
    statement: Statement
    shown: dict[str, int]
    actual: dict[str, int]
    extra: dict[str, int]

    @property
    def drift(self) -> dict[str, int]:
        return {
            k: self.shown[k] - self.actual[k]
            for k in self.actual
            if self.shown[k] != self.actual[k]
        }


def reconcile(statement: Statement, *, fix: bool = False) -> Reconciliation:
    """Compare the counter shards with the rows; with FIX, rewrite the shards to match.

    Counting a million rows takes a second or more. A check reads without a transaction
    (on SQLite in WAL mode a read blocks no writer; with IMMEDIATE transactions, one around
    it would hold the write lock for the whole count and stall every signer). Only a fix
    of counts found drifting takes the lock, and counts again under it, so the shards it
    writes match the rows as they are then.
    """
    shown, actual, extra = _tally_rows(statement)
    for _again in range(2):
        if shown == actual:
            break
        # Without a lock, a confirmation landing between the count of the rows and the read
        # of the shards looks like drift for a moment; a real drift is still there next time.
        shown, actual, extra = _tally_rows(statement)
    if fix and shown != actual:
        with transaction.atomic():
            # On PostgreSQL, signers that would move the shards wait for the rewrite.
            list(CountShard.objects.select_for_update().filter(statement=statement))
            shown, actual, extra = _tally_rows(statement)
            if shown != actual:
                CountShard.objects.filter(statement=statement).update(
                    counted=0, listed=0, unverified=0, organisations=0
                )
                CountShard.objects.filter(statement=statement, shard=0).update(**actual)
    return Reconciliation(statement, shown, actual, extra)


def _tally_rows(statement: Statement) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """The shards' counts, the rows' counts, and the rows' other tallies."""
    # Aliases differ from the field names: an aggregate called "counted" would shadow
    # the counted column in the other aggregates' filters.
    rows = Signature.objects.filter(statement=statement).aggregate(
        n_counted=Count("pk", filter=counting.COUNTED_Q),
        n_listed=Count("pk", filter=counting.LISTED_Q),
        n_unverified=Count("pk", filter=counting.UNVERIFIED_Q),
        n_quarantined=Count("pk", filter=Q(quarantined=True)),
        n_quarantined_confirmed=Count(
            "pk", filter=Q(quarantined=True, status="confirmed", invalidated_at__isnull=True)
        ),
        n_invalidated=Count("pk", filter=Q(invalidated_at__isnull=False)),
        n_pending=Count("pk", filter=Q(status="pending")),
        n_withdrawn=Count("pk", filter=Q(status="withdrawn")),
        # Rows that say counted must be exactly the confirmed, clean ones.
        n_wrongly_flagged=Count(
            "pk",
            filter=Q(counted=True)
            & (~Q(status="confirmed") | Q(quarantined=True) | Q(invalidated_at__isnull=False)),
        ),
    )
    rows = {k.removeprefix("n_"): v for k, v in rows.items()}
    actual = {k: rows.pop(k) for k in ("counted", "listed", "unverified")}
    actual["organisations"] = Endorsement.objects.filter(
        statement=statement, state=Endorsement.State.APPROVED
    ).count()
    return statement.counts(), actual, rows


@dataclass(frozen=True)
class Criteria:
    """Which signatures of a statement a bulk invalidation takes."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    domain: str = ""
    source: str = ""
    # None: either; True: only quarantined; False: only not quarantined.
    quarantined: bool | None = None

    def is_empty(self) -> bool:
        return not (self.since or self.until or self.domain or self.source) and (
            self.quarantined is None
        )

    def as_json(self) -> dict[str, Any]:
        # The domain is recorded only as its digest: the batch log must not name it in clear.
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "domain_digest": self.domain_digest() or None,
            "source": self.source or None,
            "quarantined": self.quarantined,
        }

    def domain_digest(self) -> str:
        return sealing.domain_digest(settings.DEDUP_KEY, self.domain) if self.domain else ""


def matching(statement: Statement, criteria: Criteria) -> QuerySet[Signature]:
    rows = Signature.objects.filter(statement=statement, invalidated_at__isnull=True)
    if criteria.since:
        rows = rows.filter(created_at__gte=criteria.since)
    if criteria.until:
        rows = rows.filter(created_at__lt=criteria.until)
    if criteria.domain:
        rows = rows.filter(domain_digest=criteria.domain_digest())
    if criteria.source:
        rows = rows.filter(source_digest=criteria.source)
    if criteria.quarantined is not None:
        rows = rows.filter(quarantined=criteria.quarantined)
    return rows


@dataclass
class InvalidationResult:
    matched: int
    counted: int
    batch: InvalidationBatch | None = None


def invalidate(
    statement: Statement,
    *,
    criteria: Criteria,
    reason: str,
    by: Any = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> InvalidationResult:
    """Invalidate every signature that matches, as one batch that can be undone.

    With DRY_RUN nothing changes; the result says how many rows would, and how many of
    them count now (the drop in the shown count).
    """
    if criteria.is_empty():
        raise StatementError(_("Give at least one criterion; a bulk invalidation never takes all."))
    if not dry_run and not reason.strip():
        raise StatementError(_("Give a reason for the invalidation."))
    rows = matching(statement, criteria)
    if dry_run:
        return InvalidationResult(rows.count(), rows.filter(counted=True).count())
    now = now or timezone.now()
    with transaction.atomic():
        locked = list(
            rows.select_for_update().values_list("pk", "status", "quarantined", "visibility")
        )
        # What these rows add to the counters now; invalidated, they add nothing.
        before = counting.total(
            counting.tally(status=st, quarantined=q, invalidated=False, visibility=v)
            for _pk, st, q, v in locked
        )
        batch = InvalidationBatch.objects.create(
            statement=statement,
            criteria=criteria.as_json(),
            reason=reason.strip()[:300],
            size=len(locked),
            created_by=_who(by),
            created_at=now,
        )
        for chunk in _chunks([pk for pk, *_rest in locked]):
            Signature.objects.filter(pk__in=chunk).update(
                invalidated_at=now, counted=False, invalidation_batch=batch
            )
        statement.bump(**(-before).deltas())
        # The reason is the moderator's; the entry names the batch, never a signer.
        record(by, "invalidate", batch, reason=f"{batch.reason} ({len(locked)} signatures)")
    return InvalidationResult(len(locked), before.counted, batch)


def undo_invalidation(
    batch: InvalidationBatch, *, by: Any = None, now: dt.datetime | None = None
) -> int:
    """Restore exactly the rows of BATCH; each counts again if it is confirmed and clean."""
    with transaction.atomic():
        batch = InvalidationBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.undone_at:
            raise StatementError(_("This invalidation was already undone."))
        rows = list(
            Signature.objects.select_for_update()
            .filter(invalidation_batch=batch)
            .values_list("pk", "status", "quarantined", "visibility")
        )
        tallies = {
            pk: counting.tally(status=st, quarantined=q, invalidated=False, visibility=v)
            for pk, st, q, v in rows
        }
        for counted in (True, False):
            pks = [pk for pk, one in tallies.items() if bool(one.counted) is counted]
            for chunk in _chunks(pks):
                Signature.objects.filter(pk__in=chunk).update(
                    invalidated_at=None, invalidation_batch=None, counted=counted
                )
        batch.statement.bump(**counting.total(tallies.values()).deltas())
        batch.undone_at = now or timezone.now()
        batch.undone_by = _who(by)
        batch.save(update_fields=["undone_at", "undone_by"])
        record(by, "edit", batch, reason=f"invalidation undone ({len(rows)} signatures)")
    return len(rows)


def _chunks(items: list[int], size: int = 500) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
