"""Statements, their versions per language, and the sharded counters of their counts."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import OperationalError, connection, models
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undersigned.backends.writegate import gate, lock_path
from undersigned.statements import caches


class StatementError(Exception):
    """A domain rule said no; the message is translated and safe to show."""


class Statement(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(max_length=80, unique=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    primary_language = models.CharField(max_length=8, default="en")
    languages = models.JSONField(default=list, help_text="Language codes, primary first.")
    goal = models.PositiveIntegerField(null=True, blank=True)
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    # The organisers' X25519 public key (base64). Without it nobody can sign: we would
    # have nowhere safe to put personal data, so the form fails closed.
    public_key = models.CharField(max_length=64, blank=True)
    allow_no_email = models.BooleanField(default=False)
    retention_days = models.PositiveIntegerField(
        default=30, help_text="Days after closing before sealed personal data is deleted."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.slug

    def publish(self) -> None:
        if self.state != self.State.DRAFT:
            raise StatementError(_("Only a draft can be published."))
        if not self.versions.filter(is_current=True).exists():
            raise StatementError(_("A statement needs its text before it is published."))
        if not self.public_key:
            # Published without it, the page would only say it takes no signatures.
            raise StatementError(
                _(
                    "This statement has no organisers' public key, so nobody could sign it. "
                    "Add the key (made with undersigned keygen) before publishing."
                )
            )
        self.state = self.State.PUBLISHED
        self.published_at = timezone.now()
        self.save(update_fields=["state", "published_at"])
        self.forget_cached()
        # Founding endorsements approved on the draft become visible in this same moment,
        # because the public list only ever shows endorsements of a public statement.

    def close(self) -> None:
        if self.state != self.State.PUBLISHED:
            raise StatementError(_("Only a published statement can be closed."))
        self.state = self.State.CLOSED
        self.closed_at = timezone.now()
        self.save(update_fields=["state", "closed_at"])
        self.forget_cached()

    @property
    def is_public(self) -> bool:
        return self.state in (self.State.PUBLISHED, self.State.CLOSED)

    def accepting_signatures(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        if self.state != self.State.PUBLISHED:
            return False
        if self.opens_on and today < self.opens_on:
            return False
        return not (self.closes_on and today > self.closes_on)

    def check_takes_signature(self, *, with_email: bool, today: dt.date) -> None:
        """Raise StatementError, with the reason to show, if a signature cannot be taken."""
        if not self.public_key:
            raise StatementError(_("This statement cannot take signatures yet."))
        if not self.accepting_signatures(today):
            raise StatementError(_("This statement is not accepting signatures."))
        if not with_email and not self.allow_no_email:
            raise StatementError(_("This statement needs an email address to sign."))

    def remember_texts(self) -> None:
        """Load every current text onto this instance, so text() needs no query (and a
        cached copy of the statement carries its texts with it)."""
        self._current_texts = _with_primary_current(
            self, StatementVersion.objects.filter(statement_id=self.pk, is_current=True)
        )

    def forget_cached(self) -> None:
        caches.forget_statement(self.slug, self.pk)

    def text(self, language: str) -> StatementVersion:
        """The current text in LANGUAGE, else in the primary language."""
        remembered: dict[str, StatementVersion] | None = getattr(self, "_current_texts", None)
        if remembered is not None:
            return remembered.get(language) or remembered[self.primary_language]
        # One plain query for at most two rows.
        versions = _with_primary_current(
            self,
            StatementVersion.objects.filter(
                statement_id=self.pk,
                is_current=True,
                language__in=(language, self.primary_language),
            ).order_by(),
        )
        return versions.get(language) or versions[self.primary_language]

    def counts_by_version(self) -> dict[int, int]:
        """Counted signatures by the version of the primary text their signers read (in
        whichever language). One grouped query: for exports and cached aggregates only."""
        rows = (
            self.signatures.filter(counted=True)
            .values_list("version__primary_number")
            .annotate(n=Count("pk"))
            .order_by("version__primary_number")
        )
        return {number: n for number, n in rows}

    def counts(self) -> dict[str, int]:
        totals = self.count_shards.aggregate(
            counted=Sum("counted"),
            listed=Sum("listed"),
            unverified=Sum("unverified"),
            organisations=Sum("organisations"),
        )
        return {k: v or 0 for k, v in totals.items()}

    def bump(self, **deltas: int) -> None:
        """Add DELTAS to one random counter shard, inside the caller's transaction.

        Spreading increments over shards keeps concurrent confirmations on PostgreSQL from
        queueing on one row lock; the shown count is the sum of the shards, cached for a
        second (counts_for). A bump does not clear that cache: in a surge every
        confirmation would, and every count request would then sum the shards again.
        """
        shard = random.randrange(settings.COUNT_SHARDS)
        changes = {k: F(k) + v for k, v in deltas.items() if v}
        if not changes:
            return
        updated = CountShard.objects.filter(statement=self, shard=shard).update(**changes)
        if not updated:
            CountShard.objects.get_or_create(statement=self, shard=shard)
            CountShard.objects.filter(statement=self, shard=shard).update(**changes)


def _with_primary_current(
    statement: Statement, versions: Iterable[StatementVersion]
) -> dict[str, StatementVersion]:
    """The texts by language, each told the primary text's current version number."""
    texts = {v.language: v for v in versions}
    primary = texts.get(statement.primary_language)
    for text in texts.values():
        text.primary_current = primary.number if primary else None  # type: ignore[attr-defined]
    return texts


def is_high_risk(country: str) -> bool:
    """Signers from these countries get neutral emails and, by default, are not listed."""
    return str(country).upper() in settings.HIGH_RISK_COUNTRIES


class StatementVersion(models.Model):
    """The exact text on the page in one language, identified by its content hash."""

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="versions")
    language = models.CharField(max_length=8)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    demands = models.JSONField(default=list)
    body_markdown = models.TextField()
    body_html = models.TextField(help_text="Rendered and sanitised.")
    content_hash = models.CharField(max_length=64)
    # The version of the primary text this one says the same as: its own number in the
    # primary language; in a translation, the primary's number when it was last translated.
    primary_number = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["statement", "language", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "language", "number"], name="version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["statement", "language"],
                condition=Q(is_current=True),
                name="one_current_version_per_language",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement.slug} [{self.language}] v{self.number}"

    @property
    def translates_an_older_version(self) -> bool:
        """A translation made before the primary text last changed (see Statement.text)."""
        current = getattr(self, "primary_current", None)
        return current is not None and self.primary_number < current


class CountShard(models.Model):
    statement = models.ForeignKey(Statement, models.CASCADE, related_name="count_shards")
    shard = models.PositiveSmallIntegerField()
    counted = models.IntegerField(default=0)
    listed = models.IntegerField(default=0)
    unverified = models.IntegerField(default=0)
    # Approved organisations' endorsements (shown once the statement is public).
    organisations = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "shard"], name="count_shard_unique")
        ]

    def __str__(self) -> str:
        return f"shard {self.shard} of {self.statement_id}"


# The TRUNCATE checkpoint's tries, each waiting this long at most for readers and writers,
# and the busy timeout the connection goes back to (settings: 20 s).
CHECKPOINT_TRIES = 5
CHECKPOINT_WAIT_MS = 50
SQLITE_BUSY_MS = 20000


def forget_deleted_pages() -> None:
    """Make deleted personal data unrecoverable from the SQLite files themselves.

    secure_delete (set in settings) zeroes freed space in the main file, but older copies of
    a page stay in the write-ahead log until a checkpoint resets it. A TRUNCATE checkpoint
    copies the log back and empties it; if readers hold it open, the next one finishes.
    PostgreSQL's dead tuples are reclaimed by (auto)vacuum and never appear in a dump.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    # The TRUNCATE checkpoint holds writers back while it copies the log and waits for
    # readers: at the writers' gate, with a short busy timeout, and a few tries apart, so
    # that it never holds a signer for long (issue 18: it stalled signing for a second).
    with connection.cursor() as cursor:
        # First the whole log copied back outside the gate (a PASSIVE checkpoint takes no
        # lock a writer waits for), so that the TRUNCATE has next to nothing left to copy
        # and flush while it holds the signers: at a million rows, after a purge, it held
        # the gate 130 ms when one PASSIVE pass had left part of the log.
        for _attempt in range(CHECKPOINT_TRIES):
            busy, log, copied = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if not busy and log == copied:
                break
            time.sleep(CHECKPOINT_WAIT_MS / 1000)
        for _attempt in range(CHECKPOINT_TRIES):
            try:
                with gate(lock_path()):
                    cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
                    try:
                        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    finally:
                        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            except OperationalError:
                busy = 1
            if not busy:
                return
            time.sleep(CHECKPOINT_WAIT_MS / 1000)
    # Still busy: a later checkpoint (the hourly purge runs one) finishes the job.
