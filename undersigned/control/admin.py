"""The audit log in the admin, read-only; and the admin behind the same two-factor login."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django_otp.admin import OTPAdminSite

from undersigned.control.paging import count_up_to
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


ADMIN_PAGES = 100


class CappedPaginator(Paginator):
    """Counts ADMIN_PAGES pages of rows at most. Django's counted the whole table on every
    page and let the last pages read and drop every row before them (OFFSET); the audit log
    grows with every release from quarantine and every failed login, and /control/audit/
    pages all of it by key."""

    @cached_property
    def count(self) -> int:
        # The admin's changelist hands its paginator a queryset.
        rows = cast("QuerySet[Any]", self.object_list)
        return count_up_to(rows, ADMIN_PAGES * self.per_page)[0]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_label")
    # Only filters that cost no query: a filter on object_type, and date_hierarchy, each
    # asked for the DISTINCT values of every row on every page; facets count every row.
    list_filter = ("action",)
    show_facets = admin.ShowFacets.NEVER
    search_fields = ("actor_label", "object_label", "object_id")
    show_full_result_count = False
    paginator = CappedPaginator

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
