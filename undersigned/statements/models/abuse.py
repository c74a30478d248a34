"""Abuse handling: block rules, bulk invalidations, the trending sources and source tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undersigned.lib import sealing
from undersigned.statements.models.statement import Statement


class BlockedSource(models.Model):
    """An organiser's block rule: signatures matching it are quarantined, silently."""

    class Kind(models.TextChoices):
        DOMAIN = "domain", _("Email domain")
        ADDRESS = "address", _("Email address")
        NETWORK = "network", _("Client address range")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A domain or a network (CIDR) as typed; an email address only as its keyed digest, so
    # the block list does not become a list of addresses.
    value = models.CharField(max_length=100)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="blocked_source_unique")
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.ADDRESS:
            return f"{self.get_kind_display()} #{self.value[:8]}"
        return f"{self.get_kind_display()}: {self.value}"

    @staticmethod
    def address_digest(email: str) -> str:
        """A statement-independent keyed digest of an address (block list, email cap)."""
        return sealing.email_digest(settings.DEDUP_KEY, 0, email)


class InvalidationBatch(models.Model):
    """One bulk invalidation: its criteria, reason and rows, so it can be undone exactly."""

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="+")
    criteria = models.JSONField(default=dict)
    reason = models.CharField(max_length=300)
    size = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "invalidation batches"

    def __str__(self) -> str:
        return f"batch {self.pk} on {self.statement_id} ({self.size})"


class TrendingSource(models.Model):
    """Signatures per source per hour, kept only where the rate was unusual.

    Aggregates only: a client hash (rotating daily) or an email-domain digest, a statement,
    an hour and a count. Rows older than TRENDING_RETENTION_DAYS are deleted.
    """

    class Kind(models.TextChoices):
        CLIENT = "client", _("Client address hash")
        DOMAIN = "domain", _("Email domain")

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=32)
    # The domain in clear, only for domains that crossed the velocity limit: a domain that
    # busy is a crowd or a bot, not one person.
    label = models.CharField(max_length=100, blank=True)
    signatures = models.PositiveIntegerField()
    quarantined = models.PositiveIntegerField(default=0)
    alerted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-hour", "-signatures"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "hour", "kind", "digest"], name="trending_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.label or self.digest[:8]} at {self.hour:%Y-%m-%d %H}:00"


class SourceCount(models.Model):
    """Submissions (sign forms sent) through one of the site's source tags (a flyer's or a
    sheet's QR code, lib/sourcetags.py), per statement and hour. `signatures` counts every
    one, an "already signed" or never confirmed one too: skipping those would take time that
    tells them apart (hotpath.source_bump). Rows older than TRENDING_RETENTION_DAYS are
    deleted.

    An aggregate, and the only place a tag is kept: no signature row records its source,
    so the report says which flyer brought signers without saying who came through it.
    """

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    tag = models.CharField(max_length=32)
    signatures = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-hour", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "hour", "tag"], name="source_count_unique")
        ]

    def __str__(self) -> str:
        return f"source {self.tag} at {self.hour:%Y-%m-%d %H}:00: {self.signatures}"
