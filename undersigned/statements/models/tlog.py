"""The count log's rows: leaves, signed checkpoints, witnesses and their cosignatures.

A leaf's ``entry`` is exactly the bytes served in the log's entry bundles (lib/tlog/countlog):
no personal data. ``signature_ref`` is the server's own note of which signature row a leaf is
about, so the worker can tell what is still to be logged; it is never published, and it is
not a foreign key, because a leaf outlives the row it counted (retention purges rows, never
leaves).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from undersigned.statements.models.statement import Statement


class LogLeaf(models.Model):
    statement = models.ForeignKey(Statement, models.CASCADE, related_name="+")
    index = models.PositiveBigIntegerField()
    entry = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)
    # counted/released add the signature to the count, withdrawn/invalidated remove it.
    adds = models.BooleanField()
    signature_ref = models.BigIntegerField(null=True, blank=True)
    commitment = models.CharField(max_length=64)

    class Meta:
        ordering = ["statement", "index"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "index"], name="log_leaf_index_unique"),
        ]
        indexes = [
            models.Index(
                fields=["statement", "signature_ref", "index"],
                condition=Q(signature_ref__isnull=False),
                name="log_leaf_by_signature",
            )
        ]

    def __str__(self) -> str:
        return f"leaf {self.index} of {self.statement_id}"


class LogCheckpoint(models.Model):
    """A signed tree head. ``note`` is the checkpoint as served: the log's signature and every
    cosignature received since."""

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="+")
    size = models.PositiveBigIntegerField()
    root = models.BinaryField(max_length=32)
    count = models.IntegerField(help_text="The count the leaves prove at this size.")
    note = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["statement", "-size"]
        get_latest_by = "size"
        constraints = [
            models.UniqueConstraint(fields=["statement", "size"], name="log_checkpoint_unique"),
        ]

    def __str__(self) -> str:
        return f"checkpoint {self.size} of {self.statement_id}"


class Witness(models.Model):
    """A cosigner's key, registered by a moderator. Named on the page only if it chose to be."""

    vkey = models.CharField(max_length=300, unique=True, help_text="name+keyid+base64 (type 0x04)")
    public_name = models.CharField(max_length=160, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.public_name or self.vkey.split("+", 1)[0]


class Cosignature(models.Model):
    checkpoint = models.ForeignKey(LogCheckpoint, models.CASCADE, related_name="cosignatures")
    witness = models.ForeignKey(Witness, models.CASCADE, related_name="cosignatures")
    line = models.CharField(max_length=400)
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature_each"),
        ]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"
