"""The domain: statements, their versions, signatures and the counts.

Rules are named state changes on the models. Each checks the current state, saves only the
fields it touched, and writes its side effects (counter shards, outbox rows) in the same
transaction, so a crash can never leave a count or an email half-done.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from undersigned.lib import fastinsert, sealing, tokens
from undersigned.lib.memo import ProcessMemo
from undersigned.lib.pgbackend import fetchone_prepared
from undersigned.lib.writegate import raw_write_transaction, write_transaction

if TYPE_CHECKING:
    from undersigned.delivery.models import OutboxMessage


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

    def remember_texts(self) -> None:
        """Load every current text onto this instance, so text() needs no query (and a
        cached copy of the statement carries its texts with it)."""
        self._current_texts = {
            v.language: v
            for v in StatementVersion.objects.filter(statement_id=self.pk, is_current=True)
        }

    def forget_cached(self) -> None:
        key = statement_cache_key(self.slug)

        def forget() -> None:
            cache.delete(key)
            statement_memo.forget(key)
            statement_memo.forget(statement_pk_key(self.pk))

        forget()
        transaction.on_commit(forget)

    def text(self, language: str) -> StatementVersion:
        """The current text in LANGUAGE, else in the primary language."""
        remembered: dict[str, StatementVersion] | None = getattr(self, "_current_texts", None)
        if remembered is not None:
            return remembered.get(language) or remembered[self.primary_language]
        # One plain query for at most two rows.
        versions = {
            v.language: v
            for v in StatementVersion.objects.filter(
                statement_id=self.pk,
                is_current=True,
                language__in=(language, self.primary_language),
            ).order_by()
        }
        return versions.get(language) or versions[self.primary_language]

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


def is_high_risk(country: str) -> bool:
    """Signers from these countries get neutral emails and, by default, are not listed."""
    return str(country).upper() in settings.HIGH_RISK_COUNTRIES


def counts_cache_key(statement_id: int) -> str:
    return f"counts:{statement_id}"


def statement_cache_key(slug: str) -> str:
    return f"statement:{slug}"


def statement_pk_key(pk: int) -> str:
    return f"statement-pk:{pk}"


# The published statement with its texts, as every public request needs it (see lib/memo.py).
statement_memo = ProcessMemo(settings.MICRO_CACHE_SECONDS)


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


def forget_deleted_pages() -> None:
    """Make deleted personal data unrecoverable from the SQLite files themselves.

    secure_delete (set in settings) zeroes freed space in the main file, but older copies of
    a page stay in the write-ahead log until a checkpoint resets it. A TRUNCATE checkpoint
    copies the log back and empties it; if readers hold it open, the next one finishes.
    PostgreSQL's dead tuples are reclaimed by (auto)vacuum and never appear in a dump.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except OperationalError:
        pass  # busy: a later checkpoint (the hourly purge runs one) finishes the job


class Visibility(models.IntegerChoices):
    PUBLIC = 1, _("Public: my name, with affiliation and city if given")
    NAME_ONLY = 2, _("My name only")
    INITIALS = 3, _("My initials and country")
    HIDDEN = 4, _("Not public: count me, never list me")


# What erase() and the retention purge blank: everything that could name a signer.
ERASED_FIELDS = [
    "sealed",
    "email_digest",
    "confirm_token_hash",
    "manage_token_hash",
    "confirm_expires_at",
    "confirmed_at",
    "public_name",
    "public_city",
    "public_affiliation",
    "country",
    "visibility",
]


def counts_as_unverified(status: str, quarantined: bool, invalidated: bool) -> bool:
    """Signed without an email and clean: counted apart, in the unverified figure.

    The one definition every counter move uses, row by row or for a batch.
    """
    return status == "unverified" and not quarantined and not invalidated


class Signature(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # Signed without an email (only where the statement allows it): counted apart.
        UNVERIFIED = "unverified", _("Unverified (no email)")
        # The signer asked for their data to be deleted; the row is a tombstone.
        ERASED = "erased", _("Erased")

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="signatures")
    # No index of its own: only deleting a version looks signatures up by it, and every
    # index is one more page that each signature's commit writes.
    version = models.ForeignKey(StatementVersion, models.PROTECT, related_name="+", db_index=False)
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # Counted = confirmed, not withdrawn, not quarantined, not invalidated. Kept as a column
    # so the counter shards move exactly when it flips.
    counted = models.BooleanField(default=False)
    quarantined = models.BooleanField(default=False)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    # Keyed hash of the normalised email, per statement; null once personal data is purged
    # or when the signer gave no email.
    email_digest = models.CharField(max_length=64, null=True, blank=True)
    # Everything personal, sealed to the organisers' public key.
    sealed = models.BinaryField(null=True, blank=True)
    # Abuse handling. The email DOMAIN is kept only as a keyed digest (DEDUP_KEY, not in the
    # database): a small organisation's domain can narrow a signer down to a handful of
    # people, so a dump must not show it; moderators match it by typing the domain.
    domain_digest = models.CharField(max_length=32, blank=True)
    # The daily-rotating keyed hash of the client address (lib/clientid.py), so moderators
    # can act on a flood from one source. Erased after ABUSE_RETENTION_DAYS.
    source_digest = models.CharField(max_length=32, blank=True)
    # Which rules quarantined it (comma-separated codes such as "burst,nopow").
    quarantine_reasons = models.CharField(max_length=120, blank=True)
    invalidation_batch = models.ForeignKey(
        "InvalidationBatch",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="signatures",
        db_index=False,  # indexed below only where set, so a new signature costs no page
    )
    country = CountryField()
    visibility = models.PositiveSmallIntegerField(
        choices=Visibility.choices, default=Visibility.HIDDEN
    )
    # Only what the signer chose to make public is kept in the clear.
    public_name = models.CharField(max_length=120, blank=True)
    public_affiliation = models.CharField(max_length=160, blank=True)
    public_city = models.CharField(max_length=80, blank=True)
    # Unique, through constraints below: `unique=True` would also give PostgreSQL a LIKE
    # index on each hash, two more index entries for every signature for no query.
    confirm_token_hash = models.CharField(max_length=64, null=True)
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    manage_token_hash = models.CharField(max_length=64, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            # One person, one signature per statement (P3), enforced by the database so
            # that concurrent submissions cannot both win.
            models.UniqueConstraint(
                fields=["statement", "email_digest"],
                condition=Q(email_digest__isnull=False) & ~Q(status="withdrawn"),
                name="one_signature_per_email",
            ),
            models.UniqueConstraint(fields=["confirm_token_hash"], name="unique_confirm_token"),
            models.UniqueConstraint(fields=["manage_token_hash"], name="unique_manage_token"),
        ]
        indexes = [
            models.Index(
                fields=["statement", "-confirmed_at"],
                condition=Q(counted=True, visibility__lt=4),
                name="public_list",
            ),
            models.Index(fields=["status", "created_at"], name="by_status_created"),
            # Moderators match a flood by its source or email domain (services.matching).
            # Declared here rather than with db_index, which on PostgreSQL adds a LIKE index.
            models.Index(fields=["domain_digest"], name="by_domain_digest"),
            models.Index(fields=["source_digest"], name="by_source_digest"),
            models.Index(
                fields=["invalidation_batch"],
                condition=Q(invalidation_batch__isnull=False),
                name="by_invalidation_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"signature {self.pk} on {self.statement_id}"

    @property
    def listed(self) -> bool:
        return self.counted and self.shown

    @staticmethod
    def public_fields(visibility: int, name: str, city: str, affiliation: str) -> dict[str, str]:
        """What may be kept in the clear for this visibility choice."""
        if visibility == Visibility.PUBLIC:
            return {"public_name": name, "public_city": city, "public_affiliation": affiliation}
        if visibility == Visibility.NAME_ONLY:
            return {"public_name": name, "public_city": "", "public_affiliation": ""}
        if visibility == Visibility.INITIALS:
            initials = "".join(f"{part[0]}." for part in name.split() if part)
            return {"public_name": initials, "public_city": "", "public_affiliation": ""}
        return {"public_name": "", "public_city": "", "public_affiliation": ""}

    def _recount(self, was_counted: bool, was_listed: bool) -> None:
        self.statement.bump(
            counted=int(self.counted) - int(was_counted),
            listed=int(self.listed) - int(was_listed),
        )

    def _set_counted(self, counted: bool) -> None:
        was_counted, was_listed = self.counted, self.listed
        self.counted = counted
        self._recount(was_counted, was_listed)

    def confirm(self, now: dt.datetime | None = None) -> None:
        now = now or timezone.now()
        if self.status != self.Status.PENDING:
            raise StatementError(_("This signature is already confirmed or withdrawn."))
        if self.confirm_expires_at and now > self.confirm_expires_at:
            raise StatementError(_("This link has expired."))
        if not self.statement.accepting_signatures(now.date()):
            raise StatementError(_("This statement is not accepting signatures."))
        # The write decides, not the read before it: of two confirmations racing for one
        # signature only one still finds it pending, so it is counted once. Whether it
        # counts and is listed comes from the row as it is when written, not as it was
        # read: a moderator may have quarantined, released or invalidated it, or the
        # signer hidden it, in between. The signature and its counter shard change together.
        if connection.vendor == "postgresql":
            row = self._confirm_in_one_statement(now)
        else:
            row = self._confirm_on_sqlite(now)
        if row is None:
            raise StatementError(_("This signature is already confirmed or withdrawn."))
        self.status = self.Status.CONFIRMED
        self.confirmed_at = now
        self.counted, self.visibility = row

    @property
    def shown(self) -> bool:
        """Chosen to appear on the public list (once counted)."""
        return self.visibility < Visibility.HIDDEN

    def _confirm_on_sqlite(self, now: dt.datetime) -> tuple[bool, int] | None:
        """SQLite: the UPDATE returns the row as it wrote it, and the counter shard moves in
        the same write transaction, on SQLite's own connection (as a signature goes in)."""
        quote = connection.ops.quote_name
        signatures, shards = quote(Signature._meta.db_table), quote(CountShard._meta.db_table)
        # Table names come from the models, quoted; every value is a parameter.
        update = (
            f"UPDATE {signatures} SET status = ?, confirmed_at = ?,"  # noqa: S608
            " counted = (NOT quarantined AND invalidated_at IS NULL)"
            " WHERE id = ? AND status = ? RETURNING counted, visibility"
        )
        bump = (
            f"INSERT INTO {shards} (statement_id, shard, counted, listed, unverified,"  # noqa: S608
            " organisations) VALUES (?, ?, 1, ?, 0, 0) ON CONFLICT (statement_id, shard)"
            " DO UPDATE SET counted = counted + 1, listed = listed + excluded.listed"
        )
        confirmed_at = connection.ops.adapt_datetimefield_value(now)
        with raw_write_transaction() as raw:
            row = raw.execute(
                update, [self.Status.CONFIRMED, confirmed_at, self.pk, self.Status.PENDING]
            ).fetchone()
            if row is None:
                return None
            counted, visibility = bool(row[0]), int(row[1])
            if counted:
                listed = int(visibility < Visibility.HIDDEN)
                shard = random.randrange(settings.COUNT_SHARDS)
                raw.execute(bump, [self.statement_id, shard, listed])
        return counted, visibility

    def _confirm_in_one_statement(self, now: dt.datetime) -> tuple[bool, int] | None:
        """PostgreSQL: confirm and move a counter shard in one statement, its own
        transaction: one round trip where BEGIN, two UPDATEs and COMMIT took four. An
        UPDATE that waited for a moderator's row lock re-reads the row before it writes,
        so `counted` is worked out from the row's current flags."""
        quote = connection.ops.quote_name
        signatures, shards = quote(Signature._meta.db_table), quote(CountShard._meta.db_table)
        shard = random.randrange(settings.COUNT_SHARDS)
        # The shard is upserted: a statement's first confirmations create its rows. Table
        # names come from the models, quoted; every value is a parameter.
        sql = (
            f"WITH won AS (UPDATE {signatures} SET status = %s, confirmed_at = %s,"  # noqa: S608
            " counted = (NOT quarantined AND invalidated_at IS NULL)"
            " WHERE id = %s AND status = %s RETURNING counted, visibility),"
            f" moved AS (INSERT INTO {shards} AS shard"
            " (statement_id, shard, counted, listed, unverified, organisations)"
            " SELECT %s, %s, 1, CASE WHEN won.visibility < %s THEN 1 ELSE 0 END, 0, 0"
            " FROM won WHERE won.counted"
            " ON CONFLICT (statement_id, shard) DO UPDATE SET"
            " counted = shard.counted + 1, listed = shard.listed + excluded.listed RETURNING 1)"
            " SELECT won.counted, won.visibility, (SELECT count(*) FROM moved) FROM won"
        )
        params: list[Any] = [
            self.Status.CONFIRMED, now, self.pk, self.Status.PENDING,
            self.statement_id, shard, int(Visibility.HIDDEN),
        ]  # fmt: skip
        row = fetchone_prepared(connection, sql, params)
        if row is None:
            return None
        return bool(row[0]), int(row[1])

    def release(self) -> None:
        """A moderator judged a quarantined signature genuine: it counts once confirmed."""
        if not self.quarantined:
            raise StatementError(_("This signature is not quarantined."))
        self.quarantined = False
        # Signed without an email: counted apart, as unverified, once released.
        self.statement.bump(unverified=int(self.counts_as_unverified))
        self._set_counted(self.status == self.Status.CONFIRMED and self.invalidated_at is None)
        self.save(update_fields=["quarantined", "counted"])

    def withdraw(self, now: dt.datetime | None = None) -> None:
        if self.status in (self.Status.WITHDRAWN, self.Status.ERASED):
            raise StatementError(_("This signature was already withdrawn."))
        self.status = self.Status.WITHDRAWN
        self.withdrawn_at = now or timezone.now()
        self._set_counted(False)
        # A withdrawn signature keeps nothing that names its signer.
        self.public_name = self.public_city = self.public_affiliation = ""
        self.confirm_token_hash = None
        self.save(
            update_fields=[
                "status",
                "withdrawn_at",
                "counted",
                "public_name",
                "public_city",
                "public_affiliation",
                "confirm_token_hash",
            ]
        )
        transaction.on_commit(forget_deleted_pages)

    def lower_visibility(self, level: int) -> None:
        """Show less of this signature; a signer can never raise it again (P4).

        The server cannot read the sealed data, so what stays public is derived from what
        was public: a name can become initials, nothing can become a name.
        """
        if self.status in (self.Status.WITHDRAWN, self.Status.ERASED):
            raise StatementError(_("This signature was withdrawn."))
        if level not in Visibility.values or level <= self.visibility:
            raise StatementError(_("You can only make your signature less visible."))
        was_counted, was_listed = self.counted, self.listed
        initials_of = self.public_name if self.visibility < Visibility.INITIALS else ""
        fields = self.public_fields(level, initials_of, self.public_city, self.public_affiliation)
        if level == Visibility.INITIALS and self.visibility == Visibility.INITIALS:
            fields["public_name"] = self.public_name
        self.visibility = level
        for name, value in fields.items():
            setattr(self, name, value)
        self._recount(was_counted, was_listed)
        self.save(update_fields=["visibility", *fields])
        transaction.on_commit(forget_deleted_pages)

    def erase(self, now: dt.datetime | None = None) -> None:
        """Delete everything that could name the signer; the count drops if it counted.

        The row stays as a tombstone so that reconciliation still adds up, but it keeps
        no sealed data, no keyed email hash, no link tokens, no public name, no country.
        Unsent emails for it are dropped with their encrypted addresses.
        """
        from undersigned.delivery.models import OutboxMessage

        if self.status == self.Status.ERASED:
            raise StatementError(_("This signature was already erased."))
        was_counted, was_listed = self.counted, self.listed
        was_unverified = self.counts_as_unverified
        self.counted = False
        self.status = self.Status.ERASED
        self.withdrawn_at = now or timezone.now()
        self.sealed = None
        self.email_digest = None
        self.confirm_token_hash = self.manage_token_hash = None
        self.confirm_expires_at = self.confirmed_at = None
        self.public_name = self.public_city = self.public_affiliation = ""
        self.country = ""
        self.visibility = Visibility.HIDDEN
        self.statement.bump(
            counted=-int(was_counted), listed=-int(was_listed), unverified=-int(was_unverified)
        )
        self.save(update_fields=[*ERASED_FIELDS, "status", "counted", "withdrawn_at"])
        OutboxMessage.objects.filter(signature=self).delete()
        transaction.on_commit(forget_deleted_pages)

    @property
    def counts_as_unverified(self) -> bool:
        return counts_as_unverified(self.status, self.quarantined, self.invalidated_at is not None)

    @classmethod
    def sign(
        cls,
        statement: Statement,
        *,
        language: str,
        name: str,
        email: str,
        country: str,
        city: str = "",
        affiliation: str = "",
        visibility: int = Visibility.HIDDEN,
        consent: bool = False,
        quarantined: bool = False,
        quarantine_reasons: str = "",
        source_digest: str = "",
        domain_digest: str = "",
        send_email: bool = True,
        now: dt.datetime | None = None,
    ) -> tuple[Signature | None, OutboxMessage | None]:
        """Record a new signature and queue its email, in one transaction.

        A second signature with the same address records nothing; it queues an email telling
        the address it has already signed, with a fresh withdraw link. The caller answers
        both the same way, so nobody can probe who has signed.

        Without an email (only where the statement allows it) the signature is recorded as
        unverified and counted apart; there is no email, so no message (returns None).

        Everything slow (the keyed hash, the sealing, the outbox encryption) happens before
        the transaction opens: on SQLite the transaction holds the one write lock, and every
        other signer waits for it.

        Without SEND_EMAIL (the address reached its daily cap of confirmation emails)
        nothing is queued at all.
        """
        from undersigned.delivery.models import OutboxMessage

        now = now or timezone.now()
        if not statement.public_key:
            raise StatementError(_("This statement cannot take signatures yet."))
        if not statement.accepting_signatures(now.date()):
            raise StatementError(_("This statement is not accepting signatures."))
        if not email and not statement.allow_no_email:
            raise StatementError(_("This statement needs an email address to sign."))
        version = statement.text(language)
        sealed = sealing.seal(
            statement.public_key,
            {
                "name": name,
                "email": email,
                "country": country,
                "city": city,
                "affiliation": affiliation,
                "visibility": visibility,
                "consent": consent,
                "language": language,
                "version": version.number,
                "signed_at": now.isoformat(),
            },
        )
        if not email:
            with transaction.atomic():
                unverified = cls.objects.create(
                    statement=statement,
                    version=version,
                    language=language,
                    status=cls.Status.UNVERIFIED,
                    sealed=sealed,
                    country=country,
                    visibility=visibility,
                    quarantined=quarantined,
                    quarantine_reasons=quarantine_reasons[:120],
                    source_digest=source_digest,
                    created_at=now,
                    **cls.public_fields(visibility, name, city, affiliation),
                )
                statement.bump(unverified=int(unverified.counts_as_unverified))
            return unverified, None
        neutral = is_high_risk(country)
        digest = sealing.email_digest(settings.DEDUP_KEY, statement.pk, email)
        confirm_token, confirm_hash = tokens.new_token()
        manage_token, manage_hash = tokens.new_token()
        signature = cls(
            statement=statement,
            version=version,
            language=language,
            email_digest=digest,
            sealed=sealed,
            country=country,
            visibility=visibility,
            quarantined=quarantined,
            quarantine_reasons=quarantine_reasons[:120],
            source_digest=source_digest,
            domain_digest=domain_digest,
            confirm_token_hash=confirm_hash,
            manage_token_hash=manage_hash,
            created_at=now,
            confirm_expires_at=now + dt.timedelta(hours=settings.CONFIRM_LINK_HOURS),
            **cls.public_fields(visibility, name, city, affiliation),
        )
        message = (
            None
            if not send_email
            else OutboxMessage.prepare(
                "confirm",
                to=email,
                language=language,
                statement=statement,
                context={
                    "confirm_token": confirm_token,
                    "manage_token": manage_token,
                    "neutral": neutral,
                },
            )
        )
        try:
            # Insert first: a new address (the common case) costs no lookup and no savepoint,
            # and the unique constraint, not a check before the insert, decides under
            # concurrency. The signature and its email commit together or not at all.
            if message is None:
                with write_transaction():
                    fastinsert.insert(signature)
            else:
                fastinsert.insert_pair(signature, message, "signature")
        except IntegrityError:
            with transaction.atomic():
                existing = cls._active_with_digest(statement, digest)
                if existing is None:
                    raise
                if not send_email:
                    return None, None
                return None, existing._already_signed(
                    email, language, manage_token, manage_hash, neutral=neutral
                )
        return signature, message

    @classmethod
    def _active_with_digest(cls, statement: Statement, digest: str) -> Signature | None:
        return (
            cls.objects.filter(statement=statement, email_digest=digest)
            .exclude(status=cls.Status.WITHDRAWN)
            .first()
        )

    def _already_signed(
        self,
        email: str,
        language: str,
        manage_token: str,
        manage_hash: str,
        *,
        neutral: bool = False,
    ) -> OutboxMessage:
        from undersigned.delivery.models import OutboxMessage

        # The old withdraw link stops working; the new email carries the fresh one.
        self.manage_token_hash = manage_hash
        self.save(update_fields=["manage_token_hash"])
        neutral = neutral or is_high_risk(self.country)
        context: dict[str, Any] = {"manage_token": manage_token, "neutral": neutral}
        if self.status == self.Status.PENDING:
            confirm_token, confirm_hash = tokens.new_token()
            self.confirm_token_hash = confirm_hash
            self.confirm_expires_at = timezone.now() + dt.timedelta(
                hours=settings.CONFIRM_LINK_HOURS
            )
            self.save(update_fields=["confirm_token_hash", "confirm_expires_at"])
            context["confirm_token"] = confirm_token
        return OutboxMessage.queue(
            "already_signed",
            to=email,
            language=language,
            statement=self.statement,
            signature=self,
            context=context,
        )


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


from undersigned.statements.endorsements import Endorsement, FoundingInvite  # noqa: E402

__all__ = [
    "CountShard",
    "Endorsement",
    "FoundingInvite",
    "BlockedSource",
    "InvalidationBatch",
    "Signature",
    "Statement",
    "StatementError",
    "StatementVersion",
    "TrendingSource",
    "Visibility",
]
