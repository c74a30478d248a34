"""Organisers' admin. Nothing here decrypts: sealed data is shown only as its size."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from undersigned.control.audit import record
from undersigned.statements.models import Signature, Statement, StatementVersion


class VersionInline(admin.TabularInline):
    model = StatementVersion
    fields = ("language", "number", "title", "content_hash", "is_current", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "state",
        "primary_language",
        "goal",
        "opens_on",
        "closes_on",
        "published_at",
    )
    list_filter = ("state",)
    search_fields = ("slug",)
    readonly_fields = ("state", "created_at", "published_at", "closed_at", "languages")
    inlines = [VersionInline]
    actions = ["publish", "close"]

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request: HttpRequest, queryset: object) -> None:
        for statement in queryset:  # type: ignore[attr-defined]
            if statement.state == Statement.State.DRAFT:
                statement.publish()
                record(request.user, "edit", statement, reason="published")

    @admin.action(description=_("Close the selected statements"))
    def close(self, request: HttpRequest, queryset: object) -> None:
        for statement in queryset:  # type: ignore[attr-defined]
            if statement.state == Statement.State.PUBLISHED:
                statement.close()
                record(request.user, "edit", statement, reason="closed")


@admin.register(StatementVersion)
class StatementVersionAdmin(admin.ModelAdmin):
    list_display = ("statement", "language", "number", "title", "is_current", "created_at")
    list_filter = ("language", "is_current")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "statement",
        "status",
        "counted",
        "quarantined",
        "country",
        "visibility",
        "public_name",
        "created_at",
        "confirmed_at",
    )
    list_filter = (
        "status",
        "counted",
        "quarantined",
        "visibility",
        "country",
        "statement",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("public_name", "public_affiliation", "public_city")
    date_hierarchy = "created_at"
    fields = (
        "statement",
        "version",
        "language",
        "status",
        "counted",
        "quarantined",
        "invalidated_at",
        "country",
        "visibility",
        "public_name",
        "public_affiliation",
        "public_city",
        "sealed_size",
        "created_at",
        "confirmed_at",
        "withdrawn_at",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("Sealed personal data"))
    def sealed_size(self, obj: Signature) -> str:
        return _("%(n)d bytes, readable only with the organisers' private key") % {
            "n": len(obj.sealed or b"")
        }

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
