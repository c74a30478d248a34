"""Public forms: the validation boundary for everything a stranger can send."""

from __future__ import annotations

import functools
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from undersigned.lib import emails, sealing
from undersigned.public import sealed
from undersigned.public.screening import ScreenedForm, abuse_fields_last, honeypot_field
from undersigned.statements import caches
from undersigned.statements.models import Endorsement, Statement, Visibility, is_high_risk


def reject_control_characters(value: str) -> None:
    # Control and format characters (NUL, bidi overrides, zero-width joiners misused to
    # forge names) have no place in a one-line field. A printable string has none of them,
    # and that check runs in C; only other strings are looked at character by character.
    if value.isprintable():
        return
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value):
        raise ValidationError(_("Please remove invisible or control characters."), code="control")


class LineField(forms.CharField):
    """A one-line text field: NFC-normalised, stripped, no control characters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(reject_control_characters)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return unicodedata.normalize("NFC", text) if text else ""


def visibility_field(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=Visibility.choices,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Please choose how your signature is shown.")},
    )


@functools.cache
def _country_choices(language: str) -> list[tuple[str, str]]:
    return [("", gettext("Choose…")), *((code, str(name)) for code, name in countries)]


def country_choices() -> list[tuple[str, str]]:
    """Countries sorted in the active language, built once per language and process."""
    return _country_choices(get_language() or "en")


@functools.cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries)


class CountryChoiceField(forms.ChoiceField):
    """A country list that is cheap to validate.

    Building and sorting some 250 translated names, and walking them to validate one code,
    took several milliseconds of every sign request; the list is now built only to render
    the form and a code is checked against a set.
    """

    def valid_value(self, value: Any) -> bool:
        return str(value) in _country_codes()


def _shallow(obj: Any) -> Any:
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _copy_field(field: forms.Field) -> forms.Field:
    """What Field.__deepcopy__ copies (attributes, validators, error messages, the widget and
    its attributes, choices), without copy.deepcopy's generic machinery."""
    new = _shallow(field)
    new.validators = list(field.validators)
    new.error_messages = dict(field.error_messages)
    new.widget = widget = _shallow(field.widget)
    widget.attrs = dict(field.widget.attrs)
    for owner in (new, widget):
        choices = owner.__dict__.get("_choices", owner.__dict__.get("choices"))
        if isinstance(choices, list):
            setattr(owner, "_choices" if "_choices" in owner.__dict__ else "choices", list(choices))
    return new


class LeanFields(dict[str, forms.Field]):
    """A form's declared fields, copied for each form instance by _copy_field.

    Django deep-copies every field for every form so that one form can change its fields
    without touching another's; through copy.deepcopy that was a tenth of a sign request.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: _copy_field(field) for name, field in self.items()}


class SignForm(ScreenedForm):
    name = LineField(
        label=_("Your name"),
        max_length=120,
        error_messages={
            "required": _("Please enter your name."),
            "max_length": _("Please keep your name under %(limit_value)d characters."),
        },
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        validators=[reject_control_characters],
        help_text=_("We send you one link to confirm. It is never shown."),
        error_messages={
            "required": _("Please enter your email address."),
            "invalid": _("Please enter a valid email address, like name@example.org."),
            "max_length": _("This email address is too long."),
        },
    )
    country = CountryChoiceField(
        label=_("Country"),
        choices=country_choices,
        error_messages={
            "required": _("Please choose your country."),
            "invalid_choice": _("Please choose a country from the list."),
        },
    )
    city = LineField(
        label=_("City (optional)"),
        max_length=80,
        required=False,
        error_messages={"max_length": _("Please keep the city under %(limit_value)d characters.")},
    )
    affiliation = LineField(
        label=_("Affiliation (optional)"),
        max_length=160,
        required=False,
        help_text=_("For example your union, workplace or organisation."),
        error_messages={
            "max_length": _("Please keep the affiliation under %(limit_value)d characters.")
        },
    )
    # Not required: a signer who picks nothing gets the default rule in clean().
    visibility = visibility_field(_("How may we show your signature?"))
    consent = forms.BooleanField(
        label=_("Send me occasional news about this campaign."), required=False
    )

    # What seal.js sealed in the browser, and the initials it made (public/sealed.py).
    sealed_box = sealed.box_field()
    initials = sealed.initials_field()
    # A source tag the site issued (a flyer's ?src=), counted apart from the signature.
    src = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # The honeypot of the abuse checks (ScreenedForm).
    website = honeypot_field()

    def __init__(self, *args: Any, statement: Statement | None = None, **kwargs: Any) -> None:
        """With STATEMENT and the client ADDRESS, a bound form is screened (clean())."""
        super().__init__(*args, **kwargs)
        self.statement = statement
        self.source_tag = ""  # set by clean()
        self.time_lock(None if statement is None else statement.pk)
        if self.is_bound and self.data.get("sealed_box"):
            # Sealed in the browser: the name may be in the box (clean() checks the level).
            self.fields["name"].required = False
        if statement is not None and statement.allow_no_email:
            email = self.fields["email"]
            email.required = False
            email.label = _("Email address (optional)")
            email.help_text = _(
                "We send you one link to confirm; it is never shown. Without an email your "
                "signature is counted separately, as unverified."
            )
        # The form cannot know the country before it is sent, so "not public" is the only
        # safe thing to pre-select. With another instance default nothing is pre-selected,
        # and clean() applies the rule: high-risk country → not public, else the default.
        if settings.DEFAULT_VISIBILITY == Visibility.HIDDEN:
            self.fields["visibility"].initial = Visibility.HIDDEN
        elif settings.HIGH_RISK_COUNTRIES:
            self.fields["visibility"].help_text = _(
                "If you choose nothing: “%(default)s”, or “%(hidden)s” for signers from "
                "%(countries)s."
            ) % {
                "default": Visibility(settings.DEFAULT_VISIBILITY).label,
                "hidden": Visibility.HIDDEN.label,
                "countries": ", ".join(
                    str(dict(countries).get(c, c)) for c in settings.HIGH_RISK_COUNTRIES
                ),
            }

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        if not email:
            return email
        # One mailbox, one spelling (lib/emails.py): the domain in ASCII, or refused.
        mailbox = emails.for_sending(email)
        if mailbox is None:
            raise ValidationError(self.fields["email"].error_messages["invalid"])
        return mailbox

    def clean_sealed_box(self) -> bytes | None:
        return sealed.clean_box(self.cleaned_data["sealed_box"])

    def clean(self) -> dict[str, Any]:
        """Leave cleaned_data as Signature.sign's keyword arguments, screening included."""
        data = super().clean() or {}
        if data.get("visibility") is None and "visibility" not in self.errors:
            country = data.get("country") or ""
            data["visibility"] = (
                Visibility.HIDDEN if is_high_risk(country) else settings.DEFAULT_VISIBILITY
            )
        self.source_tag = caches.source_tag(data.pop("src", None) or "")
        sealed.for_signature(self, data)
        statement_id = None if self.statement is None else self.statement.pk
        email = data.get("email") or ""
        verdict = self.screen(data, statement_id=statement_id, email=email, kind="sign")
        if verdict is not None:
            data.update(verdict.as_sign_kwargs())
        return data


SignForm.base_fields = LeanFields(abuse_fields_last(SignForm.base_fields, SignForm))


class ManageForm(forms.Form):
    """What a signer may do through the link in their email."""

    action = forms.ChoiceField(
        choices=[("withdraw", "withdraw"), ("lower", "lower"), ("erase", "erase")],
        required=False,
        error_messages={"invalid_choice": _("Please use one of the buttons.")},
    )
    visibility = visibility_field(_("Show my signature as"))

    def __init__(self, *args: Any, current: int = Visibility.PUBLIC, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only levels below the chosen one are offered: visibility never goes back up.
        field = self.fields["visibility"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(v, label) for v, label in Visibility.choices if v > current]

    def clean_action(self) -> str:
        # The withdraw button predates the others; a bare POST still withdraws.
        return self.cleaned_data["action"] or "withdraw"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "lower" and data.get("visibility") is None:
            self.add_error("visibility", _("Please choose how your signature is shown."))
        return data


class EndorseForm(ScreenedForm):
    """An organisation's endorsement, made by its contact person."""

    prefix = "org"

    name = LineField(
        label=_("Name of the organisation"),
        max_length=160,
        error_messages={
            "required": _("Please enter the name of the organisation."),
            "max_length": _("Please keep the name under %(limit_value)d characters."),
        },
    )
    country = forms.ChoiceField(
        label=_("Country"),
        error_messages={
            "required": _("Please choose the organisation's country."),
            "invalid_choice": _("Please choose a country from the list."),
        },
    )
    website = forms.URLField(
        label=_("Website"),
        max_length=300,
        assume_scheme="https",
        help_text=_("For example https://example.org/"),
        error_messages={
            "required": _("Please enter the organisation's website."),
            "invalid": _("Please enter a web address starting with http:// or https://."),
            "max_length": _("This web address is too long."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=[("", _("Choose…")), *Endorsement.Kind.choices],
        error_messages={
            "required": _("Please choose the kind of organisation."),
            "invalid_choice": _("Please choose a kind from the list."),
        },
    )
    contact_name = LineField(
        label=_("Contact person"),
        max_length=120,
        help_text=_("Never shown. Only the organisers can read it."),
        error_messages={
            "required": _("Please enter the contact person's name."),
            "max_length": _("Please keep the name under %(limit_value)d characters."),
        },
    )
    contact_email = forms.EmailField(
        label=_("Contact email address"),
        max_length=254,
        help_text=_("We send one link to confirm, and the moderators' decision. Never shown."),
        error_messages={
            "required": _("Please enter the contact's email address."),
            "invalid": _("Please enter a valid email address, like name@example.org."),
            "max_length": _("This email address is too long."),
        },
    )
    note = LineField(
        label=_("Short note (optional, public)"),
        max_length=280,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Please keep the note under %(limit_value)d characters.")},
    )
    hidden = forms.BooleanField(
        label=_("Do not name us in public"),
        required=False,
        help_text=_(
            "The page then shows “an organisation in <country> (<kind>)”: the name, website and "
            "note are seen only by the moderators, who still check them. You can ask them to "
            "name you later."
        ),
    )

    # The contact's name, sealed by seal.js to the organisers' key (public/sealed.py).
    sealed_box = sealed.box_field()

    # Abuse checks, as on the sign form; "website" is a real field here, so the honeypot
    # has another name. A flagged endorsement is recorded with its flags for the moderator.
    HONEYPOT = "homepage"
    homepage = honeypot_field()

    def __init__(self, *args: Any, statement_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statement_id = statement_id
        self.time_lock(statement_id)
        self.fields["country"].choices = [("", _("Choose…")), *countries]  # type: ignore[attr-defined]
        self.fields["contact_email"].validators.append(reject_control_characters)
        self.fields["website"].validators.append(reject_control_characters)
        if self.is_bound and self.data.get(self.add_prefix("sealed_box")):
            self.fields["contact_name"].required = False  # it is in the box

    def clean_sealed_box(self) -> bytes | None:
        return sealed.clean_box(self.cleaned_data["sealed_box"], sealing.CONTACT_BOX_MAX)

    def clean(self) -> dict[str, Any]:
        """Screen public endorsements (an invitation link is its own proof: not screened)."""
        data = super().clean() or {}
        sealed.for_endorsement(self, data)
        email = data.get("contact_email") or ""
        verdict = self.screen(data, statement_id=self.statement_id, email=email, kind="endorse")
        if verdict is None:
            return data
        data["quarantine_reasons"] = ",".join(verdict.reasons)
        data["send_email"] = verdict.send_email
        return data

    def clean_website(self) -> str:
        website: str = self.cleaned_data["website"]
        if urlsplit(website).scheme not in ("http", "https"):
            raise ValidationError(
                _("Please enter a web address starting with http:// or https://."), code="scheme"
            )
        return website

    def clean_contact_email(self) -> str:
        email: str = self.cleaned_data["contact_email"]
        return email.strip()


EndorseForm.base_fields = abuse_fields_last(EndorseForm.base_fields, EndorseForm)
