"""Signatures collected on paper, entered in batches that can be undone as a whole.

A paper signature is sealed to the organisers' key exactly like an online one, and keeps in
the clear only what its signer chose to make public (the "Shown as" column). It is counted
apart, as "paper", and in the total. The count is the sum of the active batches' sizes, so
showing it costs one small query; `reconcile` checks it against the rows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django_countries.fields import CountryField

from undersigned.statements.models.personal import Visibility
from undersigned.statements.models.statement import Statement, StatementVersion


class PaperBatch(models.Model):
    """One import of typed-up sheets: which sheets, how many rows, who, and its undoing."""

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="paper_batches")
    sheets = models.CharField(max_length=300, help_text="The sheet numbers, as ranges.")
    size = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Duplicates left out.")
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "paper batches"

    def __str__(self) -> str:
        return f"paper batch {self.pk} on {self.statement_id} ({self.size}, sheets {self.sheets})"

    @staticmethod
    def signed_under(batch_id: int) -> int | None:
        """The version of the primary text a batch's rows were signed under (an import takes
        one, the current; should rows of one batch differ, the newest); None if none is left."""
        rows = PaperSignature.objects.filter(batch_id=batch_id)
        return rows.aggregate(n=Max("version__primary_number"))["n"]


class PaperSignature(models.Model):
    batch = models.ForeignKey(PaperBatch, models.CASCADE, related_name="signatures")
    statement = models.ForeignKey(Statement, models.CASCADE, related_name="+")
    version = models.ForeignKey(StatementVersion, models.PROTECT, related_name="+")
    sheet = models.CharField(max_length=20)
    line = models.PositiveIntegerField(help_text="Line of the imported file.")
    # The same keyed hash as an online signature's, to find one person signing twice.
    email_digest = models.CharField(max_length=64, null=True, blank=True)
    # Null once the retention purge has run (P8): the row still counts, nobody can be named.
    sealed = models.BinaryField(null=True, blank=True)
    country = CountryField()
    visibility = models.PositiveSmallIntegerField(
        choices=Visibility.choices, default=Visibility.HIDDEN
    )
    public_name = models.CharField(max_length=120, blank=True)
    public_affiliation = models.CharField(max_length=160, blank=True)
    public_city = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["batch", "line"]
        indexes = [
            models.Index(
                fields=["statement", "email_digest"],
                condition=Q(email_digest__isnull=False),
                name="paper_by_email_digest",
            )
        ]

    def __str__(self) -> str:
        return f"paper signature {self.pk} (sheet {self.sheet}) on {self.statement_id}"


def paper_count(statement: Statement) -> int:
    """Paper signatures counted for STATEMENT: the rows of its batches not undone."""
    active = PaperBatch.objects.filter(statement=statement, undone_at__isnull=True)
    return int(active.aggregate(n=Sum("size"))["n"] or 0)
