from __future__ import annotations

import io

import pypdf
import pytest
from django.utils import translation

from undersigned.statements import printed
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_the_sheet_asks_what_the_form_asks_in_the_language_printed() -> None:
    statement = make_statement()
    with translation.override("ru"):
        labels = [label for label, _width in printed.sheet_columns(statement)]
    assert labels[:3] == ["№", "Полное имя", "Email"]
    assert "Показ (1–4)" in labels and "Подпись" in labels


def test_the_flyer_is_printed_in_its_own_language_whatever_is_active() -> None:
    statement = make_statement()
    with translation.override("en"):
        pdf = printed.flyer(statement, language="ru", paper="a4", source="x")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Title ru" in text and "Demand one ru" in text and "Подпишите на" in text
    assert "/ru/stop-the-war/" in text
