"""Staff forms: logging in with a second factor, and moderation decisions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_otp import match_token, user_has_device
from django_otp.models import Device

from undersigned.control import throttle
from undersigned.statements.models import Endorsement, Statement


class LoginForm(AuthenticationForm):
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=8,
        help_text=_("Leave empty only on your first login, before you have set it up."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    device: Device | None = None

    def clean(self) -> dict[str, Any]:
        if throttle.guarded(self.cleaned_data.get("username") or ""):
            return self._clean_on_guard()
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and user_has_device(user):
            token = (cleaned.get("otp_token") or "").strip()
            self.device = match_token(user, token) if token else None
            if self.device is None:
                raise ValidationError(
                    _("Please enter the current code from your authenticator app."),
                    code="otp",
                )
        return cleaned

    def _clean_on_guard(self) -> dict[str, Any]:
        """The account is under attack from many networks (control/throttle.py): judge the
        password and the code together, and answer every failure alike, so that a right
        password tells a guesser nothing without the code."""
        refused = ValidationError(
            _("Please enter a correct password and the current code from your authenticator app."),
            code="guarded",
        )
        try:
            cleaned = super().clean()
        except ValidationError:
            raise refused from None
        user = self.get_user()
        token = (cleaned.get("otp_token") or "").strip()
        if user is None or not token or not user_has_device(user):
            raise refused
        self.device = match_token(user, token)
        if self.device is None:
            raise refused
        return cleaned


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Please enter the code.")},
    )


class QueueFilterForm(forms.Form):
    statement = forms.ModelChoiceField(
        label=_("Statement"),
        queryset=Statement.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("Any"),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *Endorsement.Kind.choices]
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Waiting for a decision")), ("all", _("Any")), *Endorsement.State.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Any")), *countries]  # type: ignore[attr-defined]

    def filter(self, endorsements: Any) -> Any:
        data = self.cleaned_data
        if data.get("statement"):
            endorsements = endorsements.filter(statement=data["statement"])
        if data.get("country"):
            endorsements = endorsements.filter(country=data["country"])
        if data.get("kind"):
            endorsements = endorsements.filter(kind=data["kind"])
        state = data.get("state")
        if not state:
            return endorsements.filter(state__in=Endorsement.AWAITING)
        if state != "all":
            endorsements = endorsements.filter(state=state)
        return endorsements


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("approve", _("Approve")),
            ("reject", _("Reject")),
            ("ask_more", _("Ask for more information")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose what to do.")},
    )
    reason = forms.CharField(
        label=_("Reason or question (sent to the contact)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("action") in ("reject", "ask_more")
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error(
                "reason", _("Please write the reason or question; it is sent to the contact.")
            )
        return cleaned


class BulkForm(DecisionForm):
    ids = forms.ModelMultipleChoiceField(
        queryset=Endorsement.objects.filter(state__in=Endorsement.AWAITING),
        error_messages={
            "required": _("Please select at least one endorsement."),
            "invalid_choice": _("One of the selected endorsements is no longer waiting."),
            "invalid_pk_value": _("Please select endorsements from the list."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = self.fields["action"].choices[:2]  # type: ignore[attr-defined]


class InviteForm(forms.Form):
    label = forms.CharField(
        label=_("Who is this invitation for?"),
        max_length=160,
        help_text=_("The organisation's name; it fills in the form for them."),
        error_messages={"required": _("Please say who the invitation is for.")},
    )


class NameForm(forms.Form):
    """A hidden organisation's contact asked to be named: how they asked, for the log."""

    reason = forms.CharField(
        label=_("How the contact asked to be named (kept in the audit log)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please say how the contact asked to be named.")},
    )
