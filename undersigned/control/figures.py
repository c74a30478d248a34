"""The dashboard's figures: how a campaign is doing, and whether the email worker runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from undersigned.control.paging import count_up_to
from undersigned.delivery.heartbeat import STALE_AFTER_SECONDS, last_beat
from undersigned.statements.counting import QUARANTINED_Q
from undersigned.statements.models import CountShard, Endorsement, OutboxMessage, Signature


@dataclass(frozen=True)
class Figures:
    counted: int
    unverified: int
    # Counted up to COUNT_CAP: quarantined_more says there are more.
    quarantined: int
    quarantined_more: bool
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
    # a second at a million signatures. Quarantined rows are the partial quarantine_waiting
    # index, counted up to COUNT_CAP (a flood held back is as many rows as it sent); the
    # recent ones a range of by_status_created for each status.
    since = Signature.objects.filter(status__in=Signature.Status.values)
    quarantined, more = count_up_to(Signature.objects.filter(QUARANTINED_Q))
    # Two counts, each on its partial index, where one aggregate read the whole outbox.
    emails = OutboxMessage.objects
    seen = last_beat()
    return Figures(
        counted=shown["counted"] or 0,
        unverified=shown["unverified"] or 0,
        quarantined=quarantined,
        quarantined_more=more,
        today=since.filter(created_at__gte=midnight).count(),
        this_hour=since.filter(created_at__gte=now - dt.timedelta(hours=1)).count(),
        endorsements_waiting=Endorsement.objects.filter(state__in=Endorsement.AWAITING).count(),
        emails_waiting=emails.filter(sent_at__isnull=True, failed_at__isnull=True).count(),
        emails_failed=emails.filter(failed_at__isnull=False).count(),
        worker_seen=dt.datetime.fromtimestamp(int(seen), tz=dt.UTC) if seen is not None else None,
    )
