"""The dashboard's figures: how a campaign is doing, and whether the email worker runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from undersigned.delivery.heartbeat import STALE_AFTER_SECONDS, last_beat
from undersigned.statements.models import CountShard, Endorsement, OutboxMessage, Signature

# Quarantined signatures a moderator may still release: not invalidated, not withdrawn.
QUARANTINED = Q(quarantined=True, invalidated_at__isnull=True) & ~Q(
    status__in=[Signature.Status.WITHDRAWN, Signature.Status.ERASED]
)


@dataclass(frozen=True)
class Figures:
    counted: int
    unverified: int
    quarantined: int
    today: int
    this_hour: int
    endorsements_waiting: int
    emails_waiting: int
    emails_failed: int
    worker_seen: dt.datetime | None

    @property
    def worker_running(self) -> bool:
        return (
            self.worker_seen is not None
            and (timezone.now() - self.worker_seen).total_seconds() < STALE_AFTER_SECONDS
        )


def figures(now: dt.datetime | None = None) -> Figures:
    """Counts over every statement. Counted and unverified come from the counters the public
    page shows; the rest from the rows (a staff page, opened rarely)."""
    now = now or timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    shown = CountShard.objects.aggregate(counted=Sum("counted"), unverified=Sum("unverified"))
    # Each count through an index (issue 18): one aggregate over the table read every row,
    # a second at a million signatures. Quarantined rows are the partial quarantine_queue
    # index; the recent ones a range of by_status_created for each status.
    since = Signature.objects.filter(status__in=Signature.Status.values)
    rows = {
        "quarantined": Signature.objects.filter(QUARANTINED).count(),
        "today": since.filter(created_at__gte=midnight).count(),
        "this_hour": since.filter(created_at__gte=now - dt.timedelta(hours=1)).count(),
    }
    emails = OutboxMessage.objects.aggregate(
        waiting=Count("pk", filter=Q(sent_at__isnull=True, failed_at__isnull=True)),
        failed=Count("pk", filter=Q(failed_at__isnull=False)),
    )
    seen = last_beat()
    return Figures(
        counted=shown["counted"] or 0,
        unverified=shown["unverified"] or 0,
        quarantined=rows["quarantined"],
        today=rows["today"],
        this_hour=rows["this_hour"],
        endorsements_waiting=Endorsement.objects.filter(state__in=Endorsement.AWAITING).count(),
        emails_waiting=emails["waiting"],
        emails_failed=emails["failed"],
        worker_seen=dt.datetime.fromtimestamp(int(seen), tz=dt.UTC) if seen is not None else None,
    )
