"""Signatures: an individual's endorsement of a statement, and its named state changes.

Every change that moves a count works out the signature's tally (counting.py) before and
after, and moves the counter shards by the difference in the same transaction. The two
hottest writes go through hotpath/, the one place with database-specific SQL.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from undersigned.backends.writegate import write_transaction
from undersigned.lib import deadline, sealing, tokens
from undersigned.lib.pacing import Pace
from undersigned.statements import counting, hotpath
from undersigned.statements.counting import LISTED_Q, QUARANTINED_Q, Tally
from undersigned.statements.models.outbox import OutboxMessage
from undersigned.statements.models.personal import (
    ERASED_FIELDS,
    PUBLIC_FIELDS,
    Visibility,
    public_fields,
)
from undersigned.statements.models.statement import (
    Statement,
    StatementError,
    StatementVersion,
    forget_deleted_pages,
    is_high_risk,
)

# How long a new signature's write takes, for an address that already signed to take too.
SIGN_PACE = Pace()


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
    source_tag = ""  # not a column: sign()'s flyer tag, counted apart (hotpath.source_bump)

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
                condition=LISTED_Q,
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
            # The trending report erases each source digest after ABUSE_RETENTION_DAYS:
            # without this, every run read the whole table under the write lock. Only rows
            # still holding a digest are in it, and they arrive in time order, so a new
            # signature adds its entry at the index's right-hand end.
            models.Index(
                fields=["created_at"], condition=~Q(source_digest=""), name="recent_sources"
            ),
            # The moderators' quarantine page, oldest first and paged by key: only the rows
            # it lists are in it, so a clean signature's commit writes nothing here.
            models.Index(
                fields=["created_at", "id"], condition=QUARANTINED_Q, name="quarantine_waiting"
            ),
        ]

    def __str__(self) -> str:
        return f"signature {self.pk} on {self.statement_id}"

    @property
    def tally(self) -> Tally:
        return counting.tally(
            status=self.status,
            quarantined=self.quarantined,
            invalidated=self.invalidated_at is not None,
            visibility=self.visibility,
        )

    @property
    def listed(self) -> bool:
        return bool(self.tally.listed)

    @property
    def shown(self) -> bool:
        """Chosen to appear on the public list (once counted)."""
        return self.visibility < Visibility.HIDDEN

    @property
    def counts_as_unverified(self) -> bool:
        return bool(self.tally.unverified)

    public_fields = staticmethod(public_fields)

    def _move_counts(self, before: Tally) -> None:
        """Keep `counted` and the counter shards in step with the rule, after a change."""
        after = self.tally
        self.counted = bool(after.counted)
        self.statement.bump(**(after - before).deltas())

    def confirm(self, now: dt.datetime | None = None) -> None:
        now = now or timezone.now()
        if self.status != self.Status.PENDING:
            raise StatementError(_("This signature is already confirmed or withdrawn."))
        if self.confirm_expires_at and now > self.confirm_expires_at:
            raise StatementError(_("This link has expired."))
        if not self.statement.accepting_signatures(now.date()):
            raise StatementError(_("This statement is not accepting signatures."))
        # The write decides, not the read before it (see hotpath.confirm).
        row = hotpath.confirm(self.pk, self.statement_id, now)
        if row is None:
            raise StatementError(_("This signature is already confirmed or withdrawn."))
        self.status = self.Status.CONFIRMED
        self.confirmed_at = now
        self.counted, self.visibility = row

    def release(self) -> None:
        """A moderator judged a quarantined signature genuine: it counts once confirmed."""
        if not self.quarantined:
            raise StatementError(_("This signature is not quarantined."))
        before = self.tally
        self.quarantined = False
        self._move_counts(before)
        self.save(update_fields=["quarantined", "counted"])

    def withdraw(self, now: dt.datetime | None = None) -> None:
        if self.status in (self.Status.WITHDRAWN, self.Status.ERASED):
            raise StatementError(_("This signature was already withdrawn."))
        before = self.tally
        self.status = self.Status.WITHDRAWN
        self.withdrawn_at = now or timezone.now()
        self._move_counts(before)
        # A withdrawn signature keeps nothing that names its signer.
        self.public_name = self.public_city = self.public_affiliation = ""
        self.confirm_token_hash = None
        self.save(
            update_fields=[
                "status",
                "withdrawn_at",
                "counted",
                *PUBLIC_FIELDS,
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
        before = self.tally
        initials_of = self.public_name if self.visibility < Visibility.INITIALS else ""
        fields = self.public_fields(level, initials_of, self.public_city, self.public_affiliation)
        if level == Visibility.INITIALS and self.visibility == Visibility.INITIALS:
            fields["public_name"] = self.public_name
        self.visibility = level
        for name, value in fields.items():
            setattr(self, name, value)
        self._move_counts(before)
        self.save(update_fields=["visibility", *fields])
        transaction.on_commit(forget_deleted_pages)

    def erase(self, now: dt.datetime | None = None) -> None:
        """Delete everything that could name the signer; the count drops if it counted.

        The row stays as a tombstone so that reconciliation still adds up, but it keeps
        no sealed data, no keyed email hash, no link tokens, no public name, no country.
        Unsent emails for it are dropped with their encrypted addresses.
        """
        if self.status == self.Status.ERASED:
            raise StatementError(_("This signature was already erased."))
        before = self.tally
        self.status = self.Status.ERASED
        self.withdrawn_at = now or timezone.now()
        for name in ERASED_FIELDS:
            setattr(self, name, None)
        self.public_name = self.public_city = self.public_affiliation = self.country = ""
        self.visibility = Visibility.HIDDEN
        self._move_counts(before)
        self.save(update_fields=[*ERASED_FIELDS, "status", "counted", "withdrawn_at"])
        OutboxMessage.objects.filter(signature=self).delete()
        transaction.on_commit(forget_deleted_pages)

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
        browser_box: bytes | None = None,
        initials: str = "",
        source_tag: str = "",
        now: dt.datetime | None = None,
    ) -> tuple[Signature | None, OutboxMessage | None]:
        """Record a new signature and queue its email, in one transaction.

        A second signature with the same address records nothing; it queues an email telling
        the address it has already signed, with a fresh withdraw link. The caller answers
        both the same way, so nobody can probe who has signed. Without an email (only where
        the statement allows it) the signature is unverified and counted apart, with no
        message. Without SEND_EMAIL (the address reached its daily cap of confirmation
        emails) nothing is queued at all. SOURCE_TAG is counted alongside, never on the row.
        Everything slow (the keyed hash, the sealing, the outbox encryption) happens before
        the transaction opens: on SQLite the transaction holds the one write lock, and every
        other signer waits for it.
        """
        now = now or timezone.now()
        statement.check_takes_signature(with_email=bool(email), today=now.date())
        version = statement.text(language)
        details: dict[str, Any] = {"name": name, "email": email, "country": country, "city": city}
        details |= {"affiliation": affiliation, "visibility": visibility, "consent": consent}
        details |= {"language": language, "version": version.number}
        if browser_box:  # sealed in the browser (seal.js): the server never had those fields
            details["browser"] = base64.b64encode(browser_box).decode()
        signature = cls(
            statement=statement,
            version=version,
            language=language,
            sealed=sealing.seal(statement.public_key, {**details, "signed_at": now.isoformat()}),
            country=country,
            visibility=visibility,
            quarantined=quarantined,
            quarantine_reasons=quarantine_reasons[:120],
            source_digest=source_digest,
            created_at=now,
            **cls.public_fields(visibility, name, city, affiliation, initials=initials),
        )
        signature.source_tag = source_tag
        if not email:
            return signature._record_unverified(), None
        signature.domain_digest = domain_digest
        return signature._record_with_email(email, send_email=send_email)

    def _record_unverified(self) -> Signature:
        self.status = self.Status.UNVERIFIED
        deadline.check()  # as hotpath.insert_signature: past the budget, nothing written
        with write_transaction():  # on SQLite, waits at the gate no longer than the budget
            self.save(force_insert=True)
            self.statement.bump(**self.tally.deltas())
            hotpath.count_source(self)
        return self

    def _record_with_email(
        self, email: str, *, send_email: bool
    ) -> tuple[Signature | None, OutboxMessage | None]:
        """Write the signature and its confirmation email; for an address that already
        signed, write only an "already signed" email job, which the worker resolves
        (statements/already_signed.py). Both take the same statements and the same time,
        and neither touches the existing signature: a probe revokes no link."""
        statement = self.statement
        neutral = is_high_risk(self.country)
        self.email_digest = sealing.email_digest(settings.DEDUP_KEY, statement.pk, email)
        (confirm_token, self.confirm_token_hash), (manage_token, self.manage_token_hash) = (
            self.link_tokens()
        )
        self.confirm_expires_at = self.created_at + dt.timedelta(hours=settings.CONFIRM_LINK_HOURS)
        if not send_email:
            return self._record_without_email()
        context = {"confirm_token": confirm_token, "manage_token": manage_token, "neutral": neutral}
        message = OutboxMessage.prepare(
            "confirm", to=email, language=self.language, statement=statement, context=context
        )
        start = time.perf_counter()
        if hotpath.insert_signature(self, message):
            SIGN_PACE.record(time.perf_counter() - start)
            return self, message
        # Writing no row is quicker than writing one: wait as a new signature would have.
        SIGN_PACE.wait(time.perf_counter() - start)
        return None, message

    def _record_without_email(self) -> tuple[Signature | None, None]:
        """The address reached its daily cap of emails: the signature alone, or nothing."""
        try:
            hotpath.insert_signature(self, None)
        except IntegrityError:
            if not self.active_with_digest(self.statement, self.email_digest or "").exists():
                raise
            hotpath.count_source(self)  # counted as a new signature would have been
            return None, None
        return self, None

    @classmethod
    def active_with_digest(cls, statement: Statement, digest: str) -> models.QuerySet[Signature]:
        return cls.objects.filter(statement=statement, email_digest=digest).exclude(
            status=cls.Status.WITHDRAWN
        )

    def link_tokens(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """((confirm token, hash), (manage token, hash)), derived from this row with a
        server key (lib/tokens.py), so an email can be sent again with the links the signer
        already has instead of new ones that would revoke them."""
        key = sealing.derive_key(settings.DEDUP_KEY, "link-tokens")
        stamp = self.created_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        seed = f"{self.statement_id}:{self.email_digest}:{stamp}"
        return tokens.derived_token(key, f"confirm:{seed}"), tokens.derived_token(
            key, f"manage:{seed}"
        )
