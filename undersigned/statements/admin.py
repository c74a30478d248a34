"""Organisers' admin. Nothing here decrypts: sealed data is shown only as its size."""

from __future__ import annotations

import ipaddress
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from undersigned.statements.caches import forget_blocklist
from undersigned.statements.models import (
    BlockedSource,
    InvalidationBatch,
    Signature,
    Statement,
    StatementError,
    StatementVersion,
    TrendingSource,
    record,
)
from undersigned.statements.roles import is_moderator
from undersigned.statements.services import Criteria, invalidate, undo_invalidation


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
        "quarantine_reasons",
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
        ("invalidated_at", admin.EmptyFieldListFilter),
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
        "quarantine_reasons",
        "invalidated_at",
        "invalidation_batch",
        "source_digest",
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
    actions = ["release"]

    @admin.action(
        description=_("Release the selected quarantined signatures"), permissions=["release"]
    )
    def release(self, request: HttpRequest, queryset: QuerySet[Signature]) -> None:
        released = 0
        with transaction.atomic():
            for signature in queryset.select_for_update().filter(quarantined=True):
                signature.release()
                record(request.user, "edit", signature, reason="released from quarantine")
                released += 1
        self.message_user(request, _("%(n)d signature(s) released.") % {"n": released})

    def has_release_permission(self, request: HttpRequest) -> bool:
        return is_moderator(request.user)

    @admin.display(description=_("Sealed personal data"))
    def sealed_size(self, obj: Signature) -> str:
        return _("%(n)d bytes, readable only with the organisers' private key") % {
            "n": len(obj.sealed or b"")
        }

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class BlockedSourceForm(forms.ModelForm):
    class Meta:
        model = BlockedSource
        fields = ("kind", "value", "note")
        help_texts = {
            "value": _(
                "A domain (example.org, also blocks its subdomains), an email address (kept "
                "only as a keyed digest), or an address range such as 203.0.113.0/24."
            )
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, value = data.get("kind"), (data.get("value") or "").strip()
        if not kind or not value:
            return data
        if kind == BlockedSource.Kind.DOMAIN:
            value = value.lower().lstrip("@")
            if "@" in value or "." not in value or " " in value:
                raise ValidationError({"value": _("Enter a domain such as example.org.")})
        elif kind == BlockedSource.Kind.ADDRESS:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError({"value": _("Enter a valid email address.")}) from None
            value = BlockedSource.address_digest(value)
        else:
            try:
                value = str(ipaddress.ip_network(value, strict=False))
            except ValueError:
                raise ValidationError(
                    {"value": _("Enter an address or range such as 203.0.113.0/24.")}
                ) from None
        data["value"] = value
        return data


@admin.register(BlockedSource)
class BlockedSourceAdmin(admin.ModelAdmin):
    form = BlockedSourceForm
    list_display = ("__str__", "kind", "note", "created_at")
    list_filter = ("kind",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # An address is stored as its digest, which cannot be edited back into an address.
        return ("kind", "value") if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(forget_blocklist)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(forget_blocklist)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(forget_blocklist)


class InvalidateForm(forms.Form):
    statement = forms.ModelChoiceField(Statement.objects.all(), label=_("Statement"))
    since = forms.DateTimeField(
        label=_("Signed at or after"), required=False, help_text=_("YYYY-MM-DD HH:MM, UTC")
    )
    until = forms.DateTimeField(
        label=_("Signed before"), required=False, help_text=_("YYYY-MM-DD HH:MM, UTC")
    )
    domain = forms.CharField(label=_("Email domain"), required=False, max_length=100)
    source = forms.CharField(
        label=_("Client hash"), required=False, max_length=32, help_text=_("From trending sources.")
    )
    quarantined = forms.ChoiceField(
        label=_("Quarantine state"),
        required=False,
        choices=[
            ("", _("Either")),
            ("yes", _("Only quarantined")),
            ("no", _("Only not quarantined")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            since=data["since"],
            until=data["until"],
            domain=data["domain"].strip().lower().lstrip("@"),
            source=data["source"].strip(),
            quarantined={"yes": True, "no": False}.get(data["quarantined"]),
        )


@admin.register(InvalidationBatch)
class InvalidationBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "statement", "size", "reason", "created_by", "created_at", "undone_at")
    list_filter = ("statement",)
    fields = (
        "statement",
        "criteria",
        "reason",
        "size",
        "created_by",
        "created_at",
        "undone_at",
        "undone_by",
    )
    readonly_fields = fields
    actions = ["undo"]

    @admin.action(description=_("Undo the selected invalidations"), permissions=["change"])
    def undo(self, request: HttpRequest, queryset: QuerySet[InvalidationBatch]) -> None:
        for batch in queryset.filter(undone_at__isnull=True):
            rows = undo_invalidation(batch, by=request.user)
            self.message_user(
                request,
                _("Batch %(id)d undone: %(n)d signature(s) restored.")
                % {"id": batch.pk, "n": rows},
            )

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """Bulk invalidation: criteria, a dry run that says how many, then apply."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InvalidateForm(request.POST or None, initial=request.GET.dict())
        result = None
        if request.method == "POST" and form.is_valid():
            apply = "apply" in request.POST
            try:
                result = invalidate(
                    form.cleaned_data["statement"],
                    criteria=form.criteria(),
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    dry_run=not apply,
                )
            except StatementError as exc:
                form.add_error(None, str(exc))
            else:
                if result.batch is not None:
                    self.message_user(
                        request,
                        _("Batch %(id)d: %(n)d signature(s) invalidated; the count fell by %(c)d.")
                        % {"id": result.batch.pk, "n": result.matched, "c": result.counted},
                        messages.SUCCESS,
                    )
                    return redirect("admin:statements_invalidationbatch_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invalidate signatures in bulk"),
            "opts": self.model._meta,
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/statements/invalidate.html", context)


@admin.register(TrendingSource)
class TrendingSourceAdmin(admin.ModelAdmin):
    list_display = ("hour", "statement", "kind", "source", "signatures", "quarantined", "act")
    list_filter = ("kind", "statement", "alerted")
    date_hierarchy = "hour"

    @admin.display(description=_("Source"))
    def source(self, obj: TrendingSource) -> str:
        return obj.label or obj.digest

    @admin.display(description=_("Act"))
    def act(self, obj: TrendingSource) -> str:
        query: dict[str, Any] = {
            "statement": obj.statement_id,
            "since": obj.hour.strftime("%Y-%m-%d %H:%M"),
        }
        if obj.kind == TrendingSource.Kind.CLIENT:
            query["source"] = obj.digest
        elif obj.label:
            query["domain"] = obj.label
        else:
            return "—"
        url = reverse("admin:statements_invalidationbatch_add") + "?" + urlencode(query)
        return format_html('<a href="{}">{}</a>', url, _("Invalidate…"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
