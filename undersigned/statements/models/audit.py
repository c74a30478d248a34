"""The audit log: what staff did, kept even when the object it concerns is gone.

The core owns it, so that a domain rule (an approval, a bulk invalidation) records itself
in its own transaction; `record()` below is the one way any part of the site writes it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        FAILED_LOGIN = "failed_login", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        TWO_FACTOR = "two_factor", _("Set up two-factor authentication")
        PASSWORD = "password", _("Changed password")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        ASK_MORE = "ask_more", _("Asked for more information")
        NAME_PUBLICLY = "name_publicly", _("Named a hidden organisation at its request")
        INVITE = "invite", _("Created a founding invitation")
        EDIT = "edit", _("Edited")
        INVALIDATE = "invalidate", _("Invalidated")
        EXPORT = "export", _("Exported")
        ERASE = "erase", _("Erased")
        PAPER_IMPORT = "paper_import", _("Imported paper signatures")
        PAPER_UNDO = "paper_undo", _("Undid a paper import")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # SET_NULL, and the name kept as text, so deleting an account keeps its history.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    # What it concerned, as text rather than a foreign key, so the entry outlives the object.
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        # Nobody, not even an organiser, gets add, change or delete rights through Django.
        default_permissions = ("view",)
        verbose_name_plural = "audit entries"
        # The table it has had since it lived in the staff app.
        db_table = "control_auditentry"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit entries are never deleted.")


def record(
    actor: Any, action: str, obj: models.Model | None = None, reason: str = ""
) -> AuditEntry:
    """Write who did ACTION to OBJ and why; call it inside the act's own transaction."""
    if action not in AuditEntry.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    known = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        actor=actor if known else None,
        actor_label=actor.get_username()[:150] if known else "",
        action=action,
        reason=reason,
    )
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_label = str(obj)[:200]
    entry.save(force_insert=True)
    return entry
