from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from undersigned.lib.statement_files import parse
from undersigned.statements import services
from undersigned.statements.models import CountShard, Signature, Statement, StatementVersion
from undersigned.statements.services import import_statement, reconcile
from undersigned.test import DEMO_FILES, TEST_KEYS, counted_signatures, make_statement, reworded

pytestmark = pytest.mark.django_db


def test_import_creates_a_draft_with_a_version_per_language() -> None:
    result = import_statement(parse(DEMO_FILES), public_key=TEST_KEYS[0])
    statement = result.statement
    assert result.created and statement.state == "draft"
    assert sorted(v.language for v in statement.versions.all()) == ["en", "ru", "uk"]
    assert statement.text("uk").title.startswith("Ні війні")


def test_a_whitespace_change_updates_in_place_and_a_word_change_makes_a_version(
    tmp_path: Path,
) -> None:
    import_statement(parse(DEMO_FILES), public_key=TEST_KEYS[0])
    primary = tmp_path / "statement.md"
    text = DEMO_FILES[0].read_text()
    primary.write_text(text.replace("\n\n", "\n\n\n", 1) + "\n")
    files = [primary, *DEMO_FILES[1:]]
    result = import_statement(parse(files), public_key=TEST_KEYS[0])
    assert result.new_versions == []
    primary.write_text(text.replace("We", "We all", 1))
    result = import_statement(parse(files), public_key=TEST_KEYS[0])
    assert result.new_versions == ["en v2"]
    assert StatementVersion.objects.filter(language="en").count() == 2
    assert result.statement.text("en").number == 2


def test_the_import_command_names_the_file_and_line_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "statement.md"
    bad.write_text(DEMO_FILES[0].read_text().replace("goal: 10000", "goal: -5"))
    with pytest.raises(CommandError, match=r"statement\.md, line \d+: 'goal' must be"):
        call_command("import", str(bad), *map(str, DEMO_FILES[1:]))
    assert not Statement.objects.exists()


def test_the_import_command_refuses_a_malformed_public_key(tmp_path: Path) -> None:
    key = tmp_path / "bad.pub"
    key.write_text("not a key")
    with pytest.raises(CommandError, match="public key"):
        call_command("import", *map(str, DEMO_FILES), public_key=key)
    assert not Statement.objects.exists()


def test_reconcile_finds_and_fixes_drift() -> None:
    statement = make_statement()
    signature, _ = Signature.sign(
        statement, language="en", name="A B", email="a@example.org", country="UA", visibility=1
    )
    assert signature is not None
    signature.confirm()
    assert reconcile(statement).drift == {}
    CountShard.objects.filter(statement=statement, shard=3).update(counted=F("counted") + 7)
    report = reconcile(statement)
    assert report.drift == {"counted": 7}
    reconcile(statement, fix=True)
    assert reconcile(statement).drift == {}
    assert statement.counts() == {"counted": 1, "listed": 1, "unverified": 0, "organisations": 0}


def test_the_reconcile_command_exits_non_zero_on_drift() -> None:
    statement = make_statement()
    CountShard.objects.filter(statement=statement, shard=0).update(counted=2)
    with pytest.raises(SystemExit):
        call_command("reconcile")
    call_command("reconcile", fix=True)
    call_command("reconcile")


def test_a_word_change_in_the_primary_text_leaves_translations_of_the_old_version(
    tmp_path: Path,
) -> None:
    import_statement(parse(DEMO_FILES), public_key=TEST_KEYS[0])
    primary, uk = reworded(tmp_path), tmp_path / "statement.uk.md"
    uk.write_text(DEMO_FILES[1].read_text())
    statement = import_statement(
        parse([primary, uk, DEMO_FILES[2]]), public_key=TEST_KEYS[0]
    ).statement
    statement = Statement.objects.get(pk=statement.pk)
    assert statement.text("en").number == 2 and not statement.text("en").translates_an_older_version
    for language in ("uk", "ru"):
        text = statement.text(language)
        assert text.primary_number == 1 and text.translates_an_older_version
    # Translated anew: the Ukrainian text now says the same as version 2.
    uk.write_text(DEMO_FILES[1].read_text().replace("Ні війні", "Ні, війні", 1))
    import_statement(parse([primary, uk, DEMO_FILES[2]]), public_key=TEST_KEYS[0])
    statement.remember_texts()
    assert statement.text("uk").primary_number == 2
    assert not statement.text("uk").translates_an_older_version
    assert statement.text("ru").translates_an_older_version


def test_counts_by_version_add_up_to_the_count(tmp_path: Path) -> None:
    statement = import_statement(parse(DEMO_FILES), public_key=TEST_KEYS[0]).statement
    first = {v.language: v for v in statement.versions.all()}
    import_statement(parse([reworded(tmp_path), *DEMO_FILES[1:]]), public_key=TEST_KEYS[0])
    second = statement.versions.get(language="en", is_current=True)
    counted_signatures(statement, [first["en"], first["uk"], first["ru"], second, second])
    by_version = statement.counts_by_version()
    assert by_version == {1: 3, 2: 2}
    assert sum(by_version.values()) == Signature.objects.filter(counted=True).count()


def test_reconcile_checks_without_taking_the_write_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite every transaction is IMMEDIATE: a check inside one held the write lock
    while it counted every row, and each signer waited for it (seconds at a million)."""
    statement = make_statement()
    signature, _ = Signature.sign(
        statement, language="en", name="A B", email="a@example.org", country="UA", visibility=1
    )
    assert signature is not None
    signature.confirm()
    CountShard.objects.filter(statement=statement, shard=3).update(counted=F("counted") + 2)

    def no_transaction(*args: object, **kwargs: object) -> object:
        raise AssertionError("a check took a transaction")

    with monkeypatch.context() as patched:
        patched.setattr(services.transaction, "atomic", no_transaction)
        report = reconcile(statement)
    assert report.drift == {"counted": 2}
    assert report.extra["wrongly_flagged"] == 0 and report.extra["pending"] == 0
    assert reconcile(statement, fix=True).drift == {"counted": 2}
    assert reconcile(statement).drift == {}
