"""Publishing refuses a statement nobody could sign: one without the organisers' key."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from undersigned.statements.models import Statement, StatementError
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_a_statement_without_a_public_key_is_not_published() -> None:
    statement = make_statement(state=Statement.State.DRAFT, public_key="")
    with pytest.raises(StatementError, match="no organisers' public key, so nobody could sign"):
        statement.publish()
    statement.refresh_from_db()
    assert statement.state == Statement.State.DRAFT and statement.published_at is None


def test_the_command_says_why_in_one_line() -> None:
    make_statement(state=Statement.State.DRAFT, public_key="")
    with pytest.raises(CommandError) as caught:
        call_command("publish", "stop-the-war", stdout=io.StringIO())
    assert "Add the key (made with undersigned keygen) before publishing." in str(caught.value)
    assert Statement.objects.get().state == Statement.State.DRAFT


def test_the_refusal_is_translated() -> None:
    statement = make_statement(state=Statement.State.DRAFT, public_key="")
    with translation.override("uk"):
        with pytest.raises(StatementError) as caught:
            statement.publish()
        assert "відкритого ключа організаторів" in str(caught.value)


def test_with_a_key_it_publishes() -> None:
    statement = make_statement(state=Statement.State.DRAFT)
    statement.publish()
    assert statement.state == Statement.State.PUBLISHED
