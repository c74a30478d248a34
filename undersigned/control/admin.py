"""The audit log in the admin, read-only; and the admin behind the same two-factor login."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_otp.admin import OTPAdminSite

from undersigned.statements.models import AuditEntry, record

# Without this the admin's own login would let a password alone in; OTPAdminSite makes the
# admin ask for a session verified with a second factor, which only /control/login/ gives.
admin.site.__class__ = OTPAdminSite


def _login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    return redirect_to_login(request.GET.get("next", "/admin/"), "/control/login/")


admin.site.login = _login  # type: ignore[method-assign]


class Audited:
    """Writes every admin addition, change and deletion to the audit log too."""

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        record(request.user, "edit", obj, reason="added")
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        record(request.user, "edit", obj, reason=str(message) if message else "")
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            record(request.user, "erase", obj)
        return super().log_deletions(request, queryset)  # type: ignore[misc]


def audit_every_admin() -> None:
    """Give every registered ModelAdmin the Audited behaviour, whichever app registered it.

    Called from ControlConfig.ready(), after every app's admin module has been imported.
    """
    for model_admin in admin.site._registry.values():
        cls = type(model_admin)
        if not issubclass(cls, Audited):
            model_admin.__class__ = type(cls.__name__, (Audited, cls), {})


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_label")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_label", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
