"""Workflows across many rows: importing a statement, reconciling counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from undersigned.lib import markdown, sealing
from undersigned.lib.statement_files import StatementSource
from undersigned.statements.models import (
    CountShard,
    Endorsement,
    Signature,
    Statement,
    StatementError,
    StatementVersion,
)


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
    result = ImportResult(statement, created)
    for language, text in source.texts.items():
        digest = markdown.content_hash(text.title, *text.demands, text.body)
        current = statement.versions.filter(language=language, is_current=True).first()
        if current is not None and current.content_hash == digest:
            # Same substance: a formatting fix updates the text in place, no new version.
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
            continue
        number = 1
        if current is not None:
            number = current.number + 1
            current.is_current = False
            current.save(update_fields=["is_current"])
        StatementVersion.objects.create(
            statement=statement,
            language=language,
            number=number,
            title=text.title,
            demands=text.demands,
            body_markdown=text.body,
            body_html=markdown.render(text.body),
            content_hash=digest,
        )
        result.new_versions.append(f"{language} v{number}")
    for shard in range(settings.COUNT_SHARDS):
        CountShard.objects.get_or_create(statement=statement, shard=shard)
    return result


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
    """Compare the counter shards with the rows; with FIX, rewrite the shards to match."""
    with transaction.atomic():
        rows = Signature.objects.filter(statement=statement).aggregate(
            n_counted=Count("pk", filter=Q(counted=True)),
            n_listed=Count("pk", filter=Q(counted=True, visibility__lt=4)),
            n_unverified=Count(
                "pk",
                filter=Q(status="unverified", quarantined=False, invalidated_at__isnull=True),
            ),
            n_quarantined=Count("pk", filter=Q(quarantined=True)),
            n_invalidated=Count("pk", filter=Q(invalidated_at__isnull=False)),
            n_pending=Count("pk", filter=Q(status="pending")),
            n_withdrawn=Count("pk", filter=Q(status="withdrawn")),
        )
        rows = {k.removeprefix("n_"): v for k, v in rows.items()}
        # Rows that say counted must be exactly the confirmed, clean ones.
        wrong_flag = (
            Signature.objects.filter(statement=statement)
            .filter(
                Q(counted=True)
                & (~Q(status="confirmed") | Q(quarantined=True) | Q(invalidated_at__isnull=False))
            )
            .count()
        )
        actual = {k: rows[k] for k in ("counted", "listed", "unverified")}
        actual["organisations"] = Endorsement.objects.filter(
            statement=statement, state=Endorsement.State.APPROVED
        ).count()
        shown = statement.counts()
        if fix and shown != actual:
            CountShard.objects.filter(statement=statement).update(
                counted=0, listed=0, unverified=0, organisations=0
            )
            CountShard.objects.filter(statement=statement, shard=0).update(**actual)
    extra = {k: rows[k] for k in ("quarantined", "invalidated", "pending", "withdrawn")}
    extra["wrongly_flagged"] = wrong_flag
    return Reconciliation(statement, shown, actual, extra)
