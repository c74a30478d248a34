"""What a browser sealed before sending a public form (static/undersigned/seal.js): the
checks the server can make of what it cannot read. Without JavaScript none of these fields
is sent, and the forms go as before: the server seals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from undersigned.lib import sealing, visibility

NOT_SEALED = _("Your details could not be sealed in this browser. Please send the form again.")


def box_field() -> forms.CharField:
    """The fields seal.js sealed to the organisers' key (base64), if any."""
    return forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)


def initials_field() -> forms.CharField:
    """The initials seal.js made of a name it sealed ("initials" visibility)."""
    return forms.CharField(
        required=False,
        max_length=4 * visibility.MOST_INITIALS,
        strip=True,
        widget=forms.HiddenInput,
    )


def clean_box(text: str, most: int = sealing.BROWSER_BOX_MAX) -> bytes | None:
    if not text:
        return None
    box = sealing.browser_box(text, most)
    if box is None:
        raise ValidationError(NOT_SEALED, code="sealed")
    return box


def initials_fit(text: str, box: bytes) -> bool:
    """Initials of the rule's shape, and a box big enough to hold a name they can come
    from ({"name":"…"} at least): all the server can check of a name it never had."""
    if not visibility.well_formed_initials(text):
        return False
    least = sealing.BOX_OVERHEAD + len('{"name":""}') + visibility.shortest_name_bytes(text)
    return len(box) >= least


def for_signature(form: forms.Form, data: dict[str, Any]) -> None:
    """Turn the sign form's sealed box and initials into Signature.sign's keyword arguments.

    With a box, the name may stay in the browser for "not public" and, with its initials
    sent in the clear, for "initials"; every other level shows the name, so it must come.
    """
    box = data.pop("sealed_box", None)
    initials = data.pop("initials", "")
    if box is None:
        return
    data["browser_box"] = box
    level = data.get("visibility")
    if data.get("name") or level == visibility.Level.HIDDEN:
        return
    if level != visibility.Level.INITIALS:
        form.add_error("name", form.fields["name"].error_messages["required"])
    elif initials_fit(initials, box):
        data["initials"] = initials
    else:
        form.add_error("name", NOT_SEALED)


def for_endorsement(form: forms.Form, data: dict[str, Any]) -> None:
    """The endorse form's sealed box: the contact's name stays in the browser."""
    box = data.pop("sealed_box", None)
    if box is None:
        return
    data["browser_box"] = box
