"""Every interface string is translated, the catalogues match the sources, and dates and
numbers follow the reader's language."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation.template import templatize

from undersigned.statements.models import StatementVersion
from undersigned.test import make_statement

PACKAGE = Path(settings.BASE_DIR)
LOCALES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# The keywords Django's makemessages gives xgettext, in Babel's notation.
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
SKIP_DIRS = {"tests", "migrations", "locale", "__pycache__"}


def catalogue(language: str) -> Catalog:
    with open(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as fh:
        return read_po(fh, locale=language)


def sources() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".html", ".txt") and not SKIP_DIRS & set(
            path.relative_to(PACKAGE).parts
        ):
            yield path


def extracted() -> set[tuple[str | None, str]]:
    """(context, msgid) of every translatable string in the package, as makemessages sees it."""
    found: set[tuple[str | None, str]] = set()
    for path in sources():
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            text = templatize(text, origin=str(path))
        for _line, message, _comments, context in extract(
            "python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.add((context, msgid))
    return found


@pytest.mark.parametrize("language", LOCALES)
def test_every_interface_string_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = catalogue(language)
    missing, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        raw = message.string
        strings = [str(x) for x in raw] if isinstance(raw, tuple | list) else [str(raw or "")]
        wanted = catalog.num_plurals if message.pluralizable else 1
        if len(strings) < wanted or not all(s.strip() for s in strings):
            missing.append(message.id)
    assert not missing, f"untranslated in {language}: {missing}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy}"


@pytest.mark.parametrize("language", LOCALES)
def test_the_catalogue_matches_the_strings_in_the_code(language: str) -> None:
    in_catalogue = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalogue(language)
    }
    in_catalogue.discard((None, ""))
    in_code = extracted()
    assert not in_code - in_catalogue, (
        f"not in the {language} catalogue (run make makemessages): {in_code - in_catalogue}"
    )
    assert not in_catalogue - in_code, f"no longer in the code: {in_catalogue - in_code}"


def test_the_extraction_sees_template_and_python_strings() -> None:
    found = {msgid for _context, msgid in extracted()}
    assert "Skip to content" in found  # {% translate %} in a template
    assert "Please enter your name." in found  # gettext_lazy in forms.py
    assert "Page %(page)s of %(pages)s" in found  # {% blocktranslate %} with variables


@pytest.mark.parametrize(
    ("language", "number", "date"),
    [
        ("en", "1,234,567", "Nov. 27, 2026"),
        ("uk", "1\xa0234\xa0567", "27 листопада 2026 р."),
        ("ru", "1\xa0234\xa0567", "27 ноября 2026 г."),
    ],
)
@pytest.mark.django_db
def test_numbers_and_dates_follow_the_language(language: str, number: str, date: str) -> None:
    statement = make_statement()
    statement.count_shards.filter(shard=0).update(counted=1_234_567)
    StatementVersion.objects.filter(statement=statement).update(
        number=2, created_at=dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
    )
    body = Client().get(f"/{language}/stop-the-war/").content.decode()
    assert f"<strong>{number}</strong>" in body
    with translation.override(language):
        changed = translation.gettext("The text was changed on %(date)s.") % {"date": date}
    assert changed in body
