"""The audit log: what staff did, kept even when the object it concerns is gone."""

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
        INVITE = "invite", _("Created a founding invitation")
        EDIT = "edit", _("Edited")
        INVALIDATE = "invalidate", _("Invalidated")
        EXPORT = "export", _("Exported")
        ERASE = "erase", _("Erased")

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

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit entries are never deleted.")
