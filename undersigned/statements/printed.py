"""A statement's printed matter in one language: the flyer and the paper signature sheet.

The texts are translated here (inside the language asked for); lib/printing.py lays them
out. The sheet's columns are what the online form asks, in the same order, so a batch of
sheets types up into the CSV that `undersigned paper import` reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from undersigned.lib import printing
from undersigned.statements.models import Statement
from undersigned.statements.package import statement_address


def flyer(statement: Statement, *, language: str, paper: str, source: str) -> bytes:
    with translation.override(language):
        text = statement.text(language)
        return printing.flyer(
            printing.Flyer(
                title=text.title,
                demands=[str(demand) for demand in text.demands],
                address=statement_address(statement, language),
                sign_at=_("Sign it at"),
                source=source,
                paper=paper,
            )
        )


def sheet_columns(statement: Statement) -> list[tuple[str, int]]:
    email = _("Email (optional)") if statement.allow_no_email else _("Email")
    return [
        (_("No."), 2),
        (_("Full name"), 9),
        (email, 9),
        (_("Country"), 5),
        (_("City"), 5),
        (_("Affiliation"), 7),
        (_("Shown as (1–4)"), 4),
        (_("Signature"), 6),
        (_("Date"), 4),
    ]


def sheets(
    statement: Statement, *, language: str, paper: str, source: str, numbers: Sequence[str]
) -> bytes:
    with translation.override(language):
        content = printing.Sheet(
            title=statement.text(language).title,
            address=statement_address(statement, language),
            columns=sheet_columns(statement),
            consent=_(
                "By signing I agree that the organisers keep what I write here, sealed so "
                "that only they can read it, count my signature, and show me as I chose "
                "under “Shown as”. An email address is used only to check that each person "
                "signs once and to let me withdraw."
            ),
            legend=_(
                "Shown as: 1 name, city and affiliation public · 2 name only · 3 initials "
                "and country · 4 not public, only counted. Left blank: 4."
            ),
            sheet_label=_("Sheet no."),
            source=source,
            paper=paper,
        )
        return printing.signature_sheets(content, numbers)
