from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import get_language

from undersigned.statements.models import Endorsement, OutboxMessage, Statement
from undersigned.statements.roles import MODERATORS, ORGANISERS


def waiting_by_statement() -> list[dict[str, Any]]:
    rows = []
    annotated = Statement.objects.annotate(
        waiting=Count("endorsements", filter=Q(endorsements__state__in=Endorsement.AWAITING))
    ).filter(waiting__gt=0)
    for statement in annotated.order_by("slug"):
        title = statement.text(statement.primary_language).title
        rows.append({"title": title, "count": statement.waiting})  # type: ignore[attr-defined]
    return rows


class Command(BaseCommand):
    help = "Email every moderator a digest of endorsements waiting for a decision (via the outbox)."

    def handle(self, *args: Any, **opts: Any) -> None:
        rows = waiting_by_statement()
        total = sum(row["count"] for row in rows)
        if not total:
            self.stdout.write("digest: nothing waiting, no email")
            return
        staff = (
            get_user_model()
            .objects.filter(is_active=True, is_staff=True)
            .filter(Q(groups__name__in=[MODERATORS, ORGANISERS]) | Q(is_superuser=True))
            .exclude(email="")
            .distinct()
        )
        extra = {
            "waiting": rows,
            "total": total,
            "queue_url": f"{settings.SITE_URL}/control/endorsements/",
        }
        with transaction.atomic():
            for user in staff:
                OutboxMessage.queue(
                    "moderation_digest",
                    to=user.email,
                    language=get_language() or settings.LANGUAGE_CODE,
                    context={"extra": extra},
                )
        self.stdout.write(f"digest: {total} waiting, queued for {len(staff)} staff")
