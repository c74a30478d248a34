"""Organisations' endorsements and the invitations to endorse a draft as a founding signatory.

An endorsement
is public only after a moderator approves it and only while its statement is public; its
contact person and address are sealed to the organisers' key like a signature's.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from undersigned.backends.writegate import write_transaction
from undersigned.lib import deadline, organisations, sealing, tokens
from undersigned.statements.models.audit import record
from undersigned.statements.models.outbox import OutboxMessage
from undersigned.statements.models.statement import Statement, StatementError, StatementVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class FoundingInvite(models.Model):
    """A link organisers hand to a founding signatory to endorse a draft before launch."""

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="invites")
    # Who the link is for, as the organisers wrote it (an organisation's name).
    label = models.CharField(max_length=160)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.label

    @classmethod
    def create(cls, statement: Statement, *, label: str, by: Any) -> tuple[FoundingInvite, str]:
        """Return the invite and its token; only the token's hash is stored."""
        if statement.state != Statement.State.DRAFT:
            raise StatementError(_("Founding signatories are invited before the launch."))
        token, token_hash = tokens.new_token()
        invite = cls.objects.create(
            statement=statement, label=label, token_hash=token_hash, created_by=by
        )
        record(by, "invite", invite, reason=label)
        return invite, token


class Endorsement(models.Model):
    class Kind(models.TextChoices):
        UNION = "union", _("Trade union")
        PARTY = "party", _("Political party")
        ASSOCIATION = "association", _("Association or NGO")
        COLLECTIVE = "collective", _("Collective or informal group")
        MEDIA = "media", _("Media")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        PENDING = "pending_confirmation", _("Waiting for the contact to confirm")
        CONFIRMED = "confirmed", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        MORE_INFO = "more_info_requested", _("More information requested")
        WITHDRAWN = "withdrawn", _("Withdrawn by the organisation")

    AWAITING = (State.CONFIRMED, State.MORE_INFO)

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="endorsements")
    version = models.ForeignKey(StatementVersion, models.RESTRICT, related_name="+")
    language = models.CharField(max_length=8)
    state = models.CharField(max_length=24, choices=State.choices, default=State.PENDING)
    # Public once approved: the organisation speaks publicly by endorsing.
    name = models.CharField(max_length=160)
    normalised_name = models.CharField(max_length=160, db_index=True)
    country = CountryField()
    website = models.URLField(max_length=300)
    website_host = models.CharField(max_length=253, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    note = models.CharField(max_length=280, blank=True)
    # Endorses as "an organisation in <country> (<kind>)": the name, website and note are for
    # the moderators only and never public (public_name, public_website, public_note below).
    hidden = models.BooleanField(default=False)
    # Screening flags (undersigned/public/screening.py) for the moderator deciding on it.
    quarantine_reasons = models.CharField(max_length=120, blank=True)
    # The contact person and address, sealed to the organisers' public key.
    sealed = models.BinaryField(null=True, blank=True)
    # The contact address again, encrypted with the server-held OUTBOX_KEY, only so that the
    # decision can be emailed to the contact. It is kept only while the endorsement awaits a
    # decision and erased in the same transaction as approval or rejection (see _decide), so
    # a seized server holds it for as short a time as moderation takes.
    contact_box = models.BinaryField(null=True, blank=True)
    domain_matches = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    founding = models.BooleanField(default=False)
    invite = models.ForeignKey(
        FoundingInvite, models.SET_NULL, null=True, blank=True, related_name="endorsements"
    )
    confirm_token_hash = models.CharField(max_length=64, null=True, unique=True)
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    # The link in the confirmation email with which the organisation withdraws (hash only).
    manage_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    question = models.TextField(blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["statement", "country", "normalised_name"],
                condition=Q(state="approved"),
                name="approved_organisations",
            ),
            models.Index(fields=["state", "created_at"], name="endorsement_by_state"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    @property
    def shown_at(self) -> dt.datetime | None:
        """When the public first saw it: approval, or the launch for a founding signatory."""
        if self.decided_at is None:
            return None
        published = self.statement.published_at
        return max(self.decided_at, published) if published else self.decided_at

    # The one rule for what the public sees of an organisation: every public output (page,
    # feed, API, embeds, exports for a target) reads these, never name, website or note.
    @property
    def public_name(self) -> str:
        if self.hidden:
            return _("An organisation in %(country)s (%(kind)s)") % {
                "country": self.country.name,
                "kind": self.get_kind_display(),
            }
        return self.name

    @property
    def public_website(self) -> str:
        return "" if self.hidden else self.website

    @property
    def public_note(self) -> str:
        return "" if self.hidden else self.note

    @transaction.atomic
    def name_publicly(self, by: Any, reason: str) -> None:
        """A hidden organisation chose to be named (its contact asked the moderators)."""
        if not self.hidden:
            raise StatementError(_("This organisation is already named in public."))
        if not reason.strip():
            raise StatementError(_("Please say how the contact asked to be named."))
        self.hidden = False
        self.save(update_fields=["hidden"])
        record(by, "name_publicly", self, reason=reason)

    @property
    def likely_duplicate(self) -> bool:
        return self.duplicate_of_id is not None

    def find_duplicate(self) -> Endorsement | None:
        """An earlier endorsement of the same statement by what looks like the same group."""
        same = Q(normalised_name=self.normalised_name, country=self.country)
        if self.website_host:
            same |= Q(website_host=self.website_host)
        return (
            Endorsement.objects.filter(same, statement_id=self.statement_id)
            .exclude(pk=self.pk)
            .exclude(state=self.State.REJECTED)
            .order_by("created_at", "pk")
            .first()
        )

    @classmethod
    def submit(
        cls,
        statement: Statement,
        *,
        language: str,
        name: str,
        country: str,
        website: str,
        kind: str,
        contact_name: str,
        contact_email: str,
        note: str = "",
        hidden: bool = False,
        invite: FoundingInvite | None = None,
        quarantine_reasons: str = "",
        send_email: bool = True,
        browser_box: bytes | None = None,
        now: dt.datetime | None = None,
    ) -> Endorsement:
        """Record an endorsement and queue the contact's confirmation email (unless the
        address reached its daily cap of confirmation emails: SEND_EMAIL false).
        BROWSER_BOX: the contact's name, sealed in the browser (seal.js), stored unread."""
        now = now or timezone.now()
        cls._check_open(statement, invite, now)
        version = statement.text(language)
        (token, token_hash), (manage, manage_hash) = tokens.new_token(), tokens.new_token()
        contact: dict[str, Any] = {"organisation": name, "contact_name": contact_name}
        contact |= {"contact_email": contact_email, "language": language}
        contact |= {"version": version.number, "endorsed_at": now.isoformat()}
        contact |= {"hidden": hidden}
        if browser_box:
            contact["browser"] = base64.b64encode(browser_box).decode()
        endorsement = cls(
            statement=statement,
            version=version,
            language=language,
            name=name,
            normalised_name=organisations.normalise_name(name)[:160],
            country=country,
            website=website,
            website_host=organisations.website_host(website),
            kind=kind,
            note=note,
            hidden=hidden,
            sealed=sealing.seal(statement.public_key, contact),
            contact_box=sealing.server_encrypt(settings.OUTBOX_KEY, {"to": contact_email}),
            domain_matches=organisations.domains_match(contact_email, website),
            founding=invite is not None,
            invite=invite,
            confirm_token_hash=token_hash,
            manage_token_hash=manage_hash,
            confirm_expires_at=now + dt.timedelta(hours=settings.CONFIRM_LINK_HOURS),
            created_at=now,
            quarantine_reasons=quarantine_reasons[:120],
        )
        endorsement._write(contact_email, token, manage, send_email=send_email)
        return endorsement

    def _write(self, to: str, token: str, manage: str, *, send_email: bool) -> None:
        """The row and its confirmation email. An admitted request past its budget writes
        nothing (public/admission.py); on SQLite it waits at the gate no longer than that."""
        deadline.check()
        with write_transaction():
            self.duplicate_of = self.find_duplicate()
            self.save(force_insert=True)
            if send_email:
                self._email_confirmation(to, token, manage)

    def _email_confirmation(self, to: str, token: str, manage: str) -> None:
        url = f"{settings.SITE_URL}/{self.language}/endorsement/{token}/"
        withdraw = f"{settings.SITE_URL}/{self.language}/endorsement/{manage}/withdraw/"
        OutboxMessage.queue(
            "endorse_confirm",
            to=to,
            language=self.language,
            statement=self.statement,
            context={
                "extra": {"organisation": self.name, "confirm_url": url, "withdraw_url": withdraw}
            },
        )

    @staticmethod
    def _check_open(statement: Statement, invite: FoundingInvite | None, now: dt.datetime) -> None:
        if not statement.public_key:
            raise StatementError(_("This statement cannot take endorsements yet."))
        if invite is not None:
            if invite.statement_id != statement.pk or statement.state != Statement.State.DRAFT:
                raise StatementError(_("This invitation is no longer valid."))
        elif not statement.accepting_signatures(now.date()):
            raise StatementError(_("This statement is not accepting signatures."))

    @classmethod
    def purge_unconfirmed(cls, now: dt.datetime | None = None) -> int:
        """Delete endorsements whose confirmation link expired unused; safe to run twice.

        They never became endorsements, and they hold an address (contact_box) that nobody
        confirmed, which must not wait on the server for a decision that will never come.
        """
        now = now or timezone.now()
        expired = cls.objects.filter(state=cls.State.PENDING, confirm_expires_at__lt=now)
        deleted, _by_model = expired.delete()
        return deleted

    def confirm(self, now: dt.datetime | None = None) -> None:
        now = now or timezone.now()
        if self.state != self.State.PENDING:
            raise StatementError(_("This endorsement is already confirmed."))
        if self.confirm_expires_at and now > self.confirm_expires_at:
            raise StatementError(_("This link has expired."))
        self.state = self.State.CONFIRMED
        self.confirmed_at = now
        self.confirm_token_hash = None
        self.save(update_fields=["state", "confirmed_at", "confirm_token_hash"])

    def _email_contact(self, kind: str, reply_to: str = "", **extra: str) -> None:
        if not self.contact_box:
            return
        to = sealing.server_decrypt(settings.OUTBOX_KEY, bytes(self.contact_box))["to"]
        OutboxMessage.queue(
            kind,
            to=to,
            language=self.language,
            statement=self.statement,
            context={"reply_to": reply_to, "extra": {"organisation": self.name, **extra}},
        )

    def _decide(self, state: str, by: AbstractBaseUser, reason: str) -> None:
        if self.state not in self.AWAITING:
            raise StatementError(_("This endorsement is not waiting for a decision."))
        self.state = state
        self.decided_by = by  # type: ignore[assignment]
        self.decided_at = timezone.now()
        self.decision_reason = reason
        kind = "endorsement_approved" if state == self.State.APPROVED else "endorsement_rejected"
        self._email_contact(kind, reason=reason)
        # Decided: the address is no longer needed on the server, only in the outbox row
        # until that email is sent.
        self.contact_box = None
        self.save(
            update_fields=["state", "decided_by", "decided_at", "decision_reason", "contact_box"]
        )
        record(by, "approve" if state == self.State.APPROVED else "reject", self, reason=reason)

    @transaction.atomic
    def approve(self, by: AbstractBaseUser, reason: str = "") -> None:
        self._decide(self.State.APPROVED, by, reason)
        self.statement.bump(organisations=1)

    @transaction.atomic
    def withdraw(self, now: dt.datetime | None = None) -> None:
        """The organisation takes its endorsement back, through the link in its email.

        It leaves the public list at once (only approved endorsements are shown) and the
        count drops if it was approved. The server forgets the contact address and the link.
        """
        if self.state in (self.State.WITHDRAWN, self.State.REJECTED):
            raise StatementError(_("This endorsement was already withdrawn or rejected."))
        was_approved = self.state == self.State.APPROVED
        self.state = self.State.WITHDRAWN
        self.withdrawn_at = now or timezone.now()
        self.contact_box = None
        self.confirm_token_hash = self.manage_token_hash = None
        self.save(
            update_fields=[
                "state", "withdrawn_at", "contact_box", "confirm_token_hash", "manage_token_hash"
            ]
        )  # fmt: skip
        if was_approved:
            self.statement.bump(organisations=-1)

    @transaction.atomic
    def reject(self, by: AbstractBaseUser, reason: str) -> None:
        if not reason.strip():
            raise StatementError(_("Please give a reason; it is sent to the contact."))
        self._decide(self.State.REJECTED, by, reason)

    @transaction.atomic
    def ask_more(self, by: AbstractBaseUser, question: str) -> None:
        if self.state not in self.AWAITING:
            raise StatementError(_("This endorsement is not waiting for a decision."))
        if not question.strip():
            raise StatementError(_("Please write the question for the contact."))
        self.state = self.State.MORE_INFO
        self.question = question
        self._email_contact(
            "endorsement_question", reply_to=settings.MODERATION_REPLY_TO, question=question
        )
        self.save(update_fields=["state", "question"])
        record(by, "ask_more", self, reason=question)
