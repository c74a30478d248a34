"""What a signature holds about a person: the visibility each signer chooses, what it lets
be kept in the clear, and which fields link or name a signer (erased on request, purged
after retention). The rule for what each level shows is lib/visibility.py's.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from undersigned.lib import visibility as visibility_rule


class Visibility(models.IntegerChoices):
    PUBLIC = (
        int(visibility_rule.Level.PUBLIC),
        _("Public: my name, with affiliation and city if given"),
    )
    NAME_ONLY = int(visibility_rule.Level.NAME_ONLY), _("My name only")
    INITIALS = int(visibility_rule.Level.INITIALS), _("My initials and country")
    HIDDEN = int(visibility_rule.Level.HIDDEN), _("Not public: count me, never list me")


# Everything that links a row to a person: the retention purge blanks these (P8).
LINKING_FIELDS = ("sealed", "email_digest", "confirm_token_hash", "manage_token_hash")
# What erase() blanks: the above and everything else that could name a signer.
ERASED_FIELDS = (
    *LINKING_FIELDS,
    "confirm_expires_at",
    "confirmed_at",
    "public_name",
    "public_city",
    "public_affiliation",
    "country",
    "visibility",
)
PUBLIC_FIELDS = ("public_name", "public_city", "public_affiliation")


def public_fields(
    visibility: int, name: str, city: str, affiliation: str, *, initials: str = ""
) -> dict[str, str]:
    """What may be kept in the clear for this visibility choice. INITIALS: made in the
    browser, which sealed the name (public/sealed.py checked their shape)."""
    shown = visibility_rule.shown(visibility, name=name, city=city, affiliation=affiliation)
    shown = shown or {"name": "", "city": "", "affiliation": ""}
    if initials and not name and visibility == visibility_rule.Level.INITIALS:
        shown["name"] = initials
    return {f"public_{key}": shown[key] for key in ("name", "city", "affiliation")}
