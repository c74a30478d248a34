"""The trending-sources report: sources with unusual signing rates, for moderators, and
the submissions each source tag (a flyer's or a sheet's QR code) brought.

Aggregates only: a daily-rotating client hash or an email-domain digest, an hour and a
count; a source tag, an hour and a count. Idempotent, safe to run every few minutes and to
kill halfway.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from undersigned.statements import caches
from undersigned.statements.models import (
    OutboxMessage,
    Signature,
    SourceCount,
    TrendingSource,
)
from undersigned.statements.roles import ORGANISERS


def report_trending(*, now: dt.datetime | None = None) -> list[TrendingSource]:
    """Record sources with unusual signing rates in this hour and the last; email the
    organisers about rows that newly crossed the alert threshold; apply retention.

    Idempotent: safe to run every few minutes and to kill halfway. Returns new alerts.
    """
    now = now or timezone.now()
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    alerts: list[TrendingSource] = []
    for hour in (this_hour - dt.timedelta(hours=1), this_hour):
        alerts += _trending_for(hour)
    for row in alerts:
        _alert_organisers(row)
    expired = now - dt.timedelta(days=settings.TRENDING_RETENTION_DAYS)
    TrendingSource.objects.filter(hour__lt=expired).delete()
    SourceCount.objects.filter(hour__lt=expired).delete()
    Signature.objects.filter(
        created_at__lt=now - dt.timedelta(days=settings.ABUSE_RETENTION_DAYS)
    ).exclude(source_digest="").update(source_digest="")
    return alerts


def _trending_for(hour: dt.datetime) -> list[TrendingSource]:
    # Every status, named: the hour's rows are then found through by_status_created (one
    # short range per status) instead of by reading every signature.
    rows = Signature.objects.filter(
        status__in=Signature.Status.values,
        created_at__gte=hour,
        created_at__lt=hour + dt.timedelta(hours=1),
    )
    alerts = []
    for kind, column in (
        (TrendingSource.Kind.CLIENT, "source_digest"),
        (TrendingSource.Kind.DOMAIN, "domain_digest"),
    ):
        groups = (
            rows.exclude(**{column: ""})
            .values("statement_id", column)
            .annotate(n=Count("pk"), q=Count("pk", filter=Q(quarantined=True)))
            .filter(n__gte=settings.TRENDING_REPORT_MIN)
        )
        for group in groups:
            digest = group[column]
            label = caches.domain_label(digest) if kind == TrendingSource.Kind.DOMAIN else ""
            with transaction.atomic():
                row, _created = TrendingSource.objects.select_for_update().get_or_create(
                    statement_id=group["statement_id"],
                    hour=hour,
                    kind=kind,
                    digest=digest,
                    defaults={"signatures": group["n"], "quarantined": group["q"], "label": label},
                )
                row.signatures, row.quarantined = group["n"], group["q"]
                row.label = row.label or label
                fresh_alert = not row.alerted and row.signatures >= settings.TRENDING_ALERT_MIN
                row.alerted = row.alerted or fresh_alert
                row.save(update_fields=["signatures", "quarantined", "label", "alerted"])
            if fresh_alert:
                alerts.append(row)
    return alerts


def _alert_organisers(row: TrendingSource) -> None:
    User = get_user_model()
    recipients = (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__name=ORGANISERS))
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    extra = {
        "source_kind": row.get_kind_display(),
        "source": row.label or row.digest,
        "signatures": row.signatures,
        "quarantined": row.quarantined,
        "hour": row.hour.strftime("%Y-%m-%d %H:00 UTC"),
        "admin_url": f"{settings.SITE_URL}/control/trending/",
    }
    for address in recipients:
        OutboxMessage.queue(
            "trending_alert",
            to=address,
            language=settings.LANGUAGE_CODE,
            statement=row.statement,
            context={"extra": extra},
        )


def by_source() -> list[dict[str, object]]:
    """Submissions per statement and source tag, with their first and last hour: for staff,
    so small numbers are shown as they are. Submissions, not signatures: each sign form
    sent counts (hotpath.source_bump), an "already signed" one and a never confirmed one
    too, since counting only new signatures would take time that tells which is which."""
    grouped = (
        SourceCount.objects.values("statement__slug", "tag")
        .annotate(
            signatures=Sum("signatures"),
            quarantined=Sum("quarantined"),
            first=Min("hour"),
            last=Max("hour"),
        )
        .order_by("statement__slug", "-signatures", "tag")
    )
    return list(grouped)
