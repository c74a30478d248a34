"""Forms for the defence pages: release from quarantine, bulk invalidation, the block list.
They are the validation boundary; the acts themselves are the core's (statements)."""

from __future__ import annotations

import ipaddress
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from undersigned.statements.counting import QUARANTINED_Q
from undersigned.statements.models import BlockedSource, Signature, Statement
from undersigned.statements.services import Criteria


class ReleaseForm(forms.Form):
    """Release the ticked signatures, or the one whose own button was pressed."""

    ids = forms.ModelMultipleChoiceField(
        queryset=Signature.objects.filter(QUARANTINED_Q),
        required=False,
        error_messages={
            "invalid_choice": _("One of the selected signatures is no longer quarantined."),
            "invalid_pk_value": _("Please select signatures from the list."),
        },
    )
    one = forms.ModelChoiceField(
        queryset=Signature.objects.filter(QUARANTINED_Q),
        required=False,
        error_messages={"invalid_choice": _("This signature is no longer quarantined.")},
    )

    def chosen(self) -> QuerySet[Signature]:
        data = self.cleaned_data
        if data.get("one"):
            return Signature.objects.filter(pk=data["one"].pk)
        return data["ids"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("one") and not cleaned.get("ids"):
            raise ValidationError(_("Please select at least one signature."), code="required")
        return cleaned


class InvalidateForm(forms.Form):
    statement = forms.ModelChoiceField(
        Statement.objects.all(),
        label=_("Statement"),
        to_field_name="slug",
        error_messages={"required": _("Please choose the statement.")},
    )
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
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_("Needed to apply; kept with the batch and in the audit log."),
    )

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            since=data["since"],
            until=data["until"],
            domain=data["domain"].strip().lower().lstrip("@"),
            source=data["source"].strip(),
            quarantined={"yes": True, "no": False}.get(data["quarantined"]),
        )


class BlockForm(forms.ModelForm):
    class Meta:
        model = BlockedSource
        fields = ("kind", "value", "note")
        labels = {"kind": _("Kind"), "value": _("Domain, address or range"), "note": _("Note")}
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
        if BlockedSource.objects.filter(kind=kind, value=value).exists():
            raise ValidationError({"value": _("This is on the block list already.")})
        data["value"] = value
        return data
