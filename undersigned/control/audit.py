"""record(): the one way any part of the site writes to the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models

from undersigned.control.models import AuditEntry


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
