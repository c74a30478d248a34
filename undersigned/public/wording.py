"""Published counts in words: a figure, or "fewer than 10" (lib/suppression.py)."""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undersigned.lib.suppression import Figure


def figure(value: Figure) -> str:
    if value.value is None:
        return _("fewer than %(n)s") % {"n": value.below}
    return str(intcomma(value.value))


def signatures(value: Figure) -> str:
    """ "1,234 signatures", or "Fewer than 10 signatures"."""
    if value.value is None:
        return _("Fewer than %(n)s signatures") % {"n": value.below}
    return ngettext("%(number)s signature", "%(number)s signatures", value.value) % {
        "number": intcomma(value.value)
    }
