"""The audit log in the admin, read-only; and the admin behind the same two-factor login."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_otp.admin import OTPAdminSite

from undersigned.control.models import AuditEntry

# Without this the admin's own login would let a password alone in; OTPAdminSite makes the
# admin ask for a session verified with a second factor, which only /control/login/ gives.
admin.site.__class__ = OTPAdminSite


def _login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    return redirect_to_login(request.GET.get("next", "/admin/"), "/control/login/")


admin.site.login = _login  # type: ignore[method-assign]


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
