from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from undersigned.control.management.commands import export as export_command
from undersigned.lib import exports
from undersigned.lib.sealing import generate_keypair
from undersigned.statements import paper
from undersigned.statements.models import Signature, Statement, Visibility
from undersigned.test import TEST_KEYS, make_statement, postgres_url

ENTERED = [
    # (name, email, country, city, affiliation, visibility)
    ("Olena Bondar", "olena@example.org", "UA", "Kharkiv", "Union of teachers", 1),
    ("Ivan Sidorov", "ivan@example.org", "RU", "Tver", "", 2),
    ("Maria Anna Novak", "maria@example.org", "PL", "Krakow", "Hospital", 3),
    ("Hidden Person", "hidden@example.org", "BY", "Minsk", "Secret lab", 4),
    ('=HYPERLINK("http://evil")', "formula@example.org", "DE", "+Berlin", "@corp", 1),
]


def populate() -> Statement:
    statement = make_statement(allow_no_email=True)
    for name, email, country, city, affiliation, visibility in ENTERED:
        signature, _ = Signature.sign(
            statement,
            language="en",
            name=name,
            email=email,
            country=country,
            city=city,
            affiliation=affiliation,
            visibility=visibility,
            consent=visibility == 1,
        )
        assert signature is not None
        signature.confirm()
    # Not exported: pending, withdrawn. Exported apart: unverified (no email).
    Signature.sign(statement, language="en", name="Pending P", email="p@example.org", country="UA")
    gone, _ = Signature.sign(
        statement, language="en", name="Gone G", email="g@example.org", country="UA"
    )
    assert gone is not None
    gone.confirm()
    gone.withdraw()
    Signature.sign(statement, language="en", name="No Mail", email="", country="UA", visibility=1)
    return statement


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "organisers.key"
    path.write_text(TEST_KEYS[1] + "\n")
    return path


def export(key_file: Path, *args: str) -> str:
    out = io.StringIO()
    call_command(
        "export", "stop-the-war", "--key", str(key_file), *args, stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


@pytest.mark.django_db
def test_json_gives_back_exactly_what_was_entered(key_file: Path) -> None:
    populate()
    data = json.loads(export(key_file, "--format", "json"))
    got = {
        (r["name"], r["email"], r["country"], r["city"], r["affiliation"], r["visibility"])
        for r in data["signatures"]
        if r["status"] == "confirmed"
    }
    assert got == set(ENTERED)
    unverified = [r for r in data["signatures"] if r["status"] == "unverified"]
    assert [(r["name"], r["email"]) for r in unverified] == [("No Mail", "")]
    assert not {"Pending P", "Gone G"} & {r["name"] for r in data["signatures"]}


@pytest.mark.django_db
def test_csv_guards_cells_against_formulas(key_file: Path) -> None:
    populate()
    rows = list(csv.DictReader(io.StringIO(export(key_file, "--format", "csv"))))
    evil = next(r for r in rows if r["email"] == "formula@example.org")
    assert evil["name"] == '\'=HYPERLINK("http://evil")'
    assert (evil["city"], evil["affiliation"]) == ("'+Berlin", "'@corp")
    olena = next(r for r in rows if r["email"] == "olena@example.org")
    assert olena["name"] == "Olena Bondar" and olena["city"] == "Kharkiv"


@pytest.mark.django_db
def test_xlsx_round_trip(key_file: Path, tmp_path: Path) -> None:
    populate()
    target = tmp_path / "out.xlsx"
    export(key_file, "--format", "xlsx", "--output", str(target))
    sheet = load_workbook(target)["signatures"]
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    records = [dict(zip(header, row, strict=True)) for row in rows]
    by_email = {r["email"]: r for r in records}
    assert by_email["maria@example.org"]["name"] == "Maria Anna Novak"
    assert by_email["maria@example.org"]["city"] == "Krakow"
    assert by_email["formula@example.org"]["name"] == '\'=HYPERLINK("http://evil")'
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.django_db
def test_for_target_leaves_out_what_was_not_made_public(key_file: Path) -> None:
    statement = populate()
    # A signer who lowered their visibility later is exported at the lower level.
    olena = Signature.objects.get(statement=statement, public_name="Olena Bondar")
    olena.lower_visibility(Visibility.INITIALS)
    data = json.loads(export(key_file, "--format", "json", "--for-target"))
    assert data["not_public"] == 1
    rows = {(r["name"], r["country"], r["city"], r["affiliation"]) for r in data["signatures"]}
    assert rows == {
        ("O.B.", "UA", "", ""),
        ("Ivan Sidorov", "", "", ""),
        ("M.A.N.", "PL", "", ""),
        ('=HYPERLINK("http://evil")', "DE", "+Berlin", "@corp"),
    }
    text = json.dumps(data)
    for secret in ("@example.org", "Hidden", "Minsk", "Secret lab", "Kharkiv", "Tver", "Krakow"):
        assert secret not in text


@pytest.mark.django_db
def test_a_wrong_key_is_refused(tmp_path: Path) -> None:
    populate()
    wrong = tmp_path / "wrong.key"
    wrong.write_text(generate_keypair()[1])
    with pytest.raises(CommandError, match="does not belong"):
        export(wrong)


@pytest.mark.django_db
def test_a_key_that_does_not_open_the_data_is_refused(tmp_path: Path) -> None:
    statement = populate()
    # A statement whose recorded public key was changed after signers sealed to the old one.
    other_public, other_private = generate_keypair()
    Statement.objects.filter(pk=statement.pk).update(public_key=other_public)
    wrong = tmp_path / "other.key"
    wrong.write_text(other_private)
    with pytest.raises(CommandError, match="does not open"):
        export(wrong)


@pytest.mark.parametrize(
    ("content", "message"),
    [("not base64!", "not valid base64"), ("c2hvcnQ=", "must be 32 bytes"), (None, "Cannot read")],
)
@pytest.mark.django_db
def test_a_bad_key_file_gets_a_clear_message(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "bad.key"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError, match=message):
        export(path)


def run_export(env: dict[str, str], key: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "undersigned", "export", "stop-the-war", "--key", str(key), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def elsewhere_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """Another machine: a copy of the database and the private key, no server secret."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECRET_KEY", "DEDUP_KEY", "OUTBOX_KEY", "CLIENT_HASH_KEY"))
        and k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")
    }
    fresh = tmp_path / "laptop"
    fresh.mkdir()
    return {**env, "UNDERSIGNED_DATA_DIR": str(fresh), "DATABASE_URL": database_url}


def copy_database(tmp_path: Path) -> tuple[str, object]:
    """Copy the test database as an operator would back it up; return its URL and a cleanup."""
    pg = postgres_url()
    if pg is None:
        source = connection.settings_dict["NAME"]
        target = tmp_path / "restored.sqlite3"
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)  # what `sqlite3 undersigned.sqlite3 ".backup copy"` does
        return f"sqlite:///{target}", lambda: None
    import psycopg

    dump = tmp_path / "dump.pgc"
    name = connection.settings_dict["NAME"]
    base = pg.rsplit("/", 1)[0]
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), f"{base}/{name}"], check=True)
    restored = f"{name}_restored_{os.getpid()}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        conn.execute(f'CREATE DATABASE "{restored}"')
    subprocess.run(["pg_restore", "--no-owner", "-d", f"{base}/{restored}", str(dump)], check=True)

    def drop() -> None:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')

    return f"{base}/{restored}", drop


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_export_runs_on_a_restored_copy_with_only_the_private_key(
    tmp_path: Path, key_file: Path
) -> None:
    populate()
    url, cleanup = copy_database(tmp_path)
    try:
        env = elsewhere_env(tmp_path, url)
        result = run_export(env, key_file, "--format", "json")
        assert result.returncode == 0, result.stderr
        emails = {r["email"] for r in json.loads(result.stdout)["signatures"]}
        assert {e for _n, e, *_rest in ENTERED} <= emails
        assert "signer" in result.stderr  # the progress bar and the summary go to stderr

        wrong = tmp_path / "wrong.key"
        wrong.write_text(generate_keypair()[1])
        refused = run_export(env, wrong, "--format", "csv")
        assert refused.returncode != 0
        assert "does not belong" in refused.stderr
        assert "Traceback" not in refused.stderr and refused.stdout == ""
    finally:
        cleanup()  # type: ignore[operator]


class Recording(io.StringIO):
    """Stdout that notes how many signatures had been opened when each piece came."""

    def __init__(self, opened: list[int]) -> None:
        super().__init__()
        self.opened = opened
        self.at: list[int] = []

    def write(self, text: str) -> int:
        self.at.append(len(self.opened))
        return super().write(text)


@pytest.mark.parametrize("format", ["csv", "json"])
@pytest.mark.django_db
def test_rows_are_written_as_they_are_opened(
    key_file: Path, format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streaming: a million signers must not be held in memory before the first is written."""
    populate()
    opened: list[int] = []
    real_unseal = export_command.sealing.unseal

    def unseal(*args: Any) -> Any:
        opened.append(1)
        return real_unseal(*args)

    monkeypatch.setattr(export_command.sealing, "unseal", unseal)
    out = Recording(opened)
    call_command(
        "export", "stop-the-war", "--key", str(key_file), "--format", format,
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert len(opened) == 6  # five confirmed and one unverified
    assert min(n for n in out.at if n) < 6  # some rows went out before the last was opened
    if format == "json":
        data = json.loads(out.getvalue())
        assert (data["statement"], data["listed"], len(data["signatures"])) == (
            "stop-the-war",
            6,
            6,
        )


@pytest.mark.django_db
def test_an_export_that_fails_halfway_leaves_no_file(tmp_path: Path) -> None:
    statement = populate()
    other_public, other_private = generate_keypair()
    Statement.objects.filter(pk=statement.pk).update(public_key=other_public)
    wrong = tmp_path / "other.key"
    wrong.write_text(other_private)
    for format in ("csv", "xlsx"):
        target = tmp_path / f"out.{format}"
        with pytest.raises(CommandError, match="does not open"):
            export(wrong, "--format", format, "--output", str(target))
        assert list(tmp_path.glob("out.*")) == []


@pytest.mark.django_db
def test_export_reads_only_the_columns_it_writes(key_file: Path) -> None:
    """Five columns per signer, not whole rows made into model instances."""
    populate()
    with CaptureQueriesContext(connection) as queries:
        export(key_file, "--format", "csv")
    reads = [q["sql"] for q in queries.captured_queries if '"sealed"' in q["sql"]]
    assert reads and all('"email_digest"' not in sql for sql in reads), reads


PAPER = (
    "sheet,name,email,country,city,affiliation,visibility,signed_on\n"
    "0007,Petro Paper,petro@example.org,UA,Lviv,Dockers,1,2026-11-30\n"
    "0007,Hidden Paper,hp@example.org,BY,Hrodna,Secret union,4,\n"
    "0008,Nadia Sheet,,PL,Gdansk,,3,\n"
)


def add_paper(statement: Statement) -> int:
    batch = paper.import_rows(statement, paper.parse(PAPER)).batch
    undone = paper.import_rows(statement, paper.parse(PAPER.replace("example", "undone"))).batch
    paper.undo(undone)
    return batch.pk


@pytest.mark.django_db
def test_paper_signers_are_exported_marked_with_their_sheet_and_batch(key_file: Path) -> None:
    batch = add_paper(populate())
    data = json.loads(export(key_file, "--format", "json"))
    on_paper = [r for r in data["signatures"] if r["source"] == "paper"]
    assert [(r["name"], r["email"], r["sheet"], r["batch"]) for r in on_paper] == [
        ("Petro Paper", "petro@example.org", "0007", batch),
        ("Hidden Paper", "hp@example.org", "0007", batch),
        ("Nadia Sheet", "", "0008", batch),
    ]
    assert {(r["status"], r["counted"]) for r in on_paper} == {("paper", True)}
    assert on_paper[0]["signed_at"] == "2026-11-30" and on_paper[1]["visibility"] == 4
    online = [r for r in data["signatures"] if r["source"] == "online"]
    assert len(online) == 6 and {r["sheet"] for r in online} == {""}
    assert data["paper"] == 3
    header = next(csv.reader(io.StringIO(export(key_file, "--format", "csv"))))
    assert header[-3:] == ["source", "sheet", "batch"]


@pytest.mark.django_db
def test_for_target_shows_paper_signers_as_they_chose(key_file: Path) -> None:
    add_paper(populate())
    data = json.loads(export(key_file, "--format", "json", "--for-target"))
    rows = {(r["name"], r["country"], r["city"], r["affiliation"]) for r in data["signatures"]}
    assert {("Petro Paper", "UA", "Lviv", "Dockers"), ("N.S.", "PL", "", "")} <= rows
    assert data["not_public"] == 2
    text = json.dumps(data)
    for secret in ("Hidden Paper", "Hrodna", "Secret union", "@example.org", "Gdansk", "0007"):
        assert secret not in text


@pytest.mark.django_db
def test_for_target_does_not_say_who_signed_on_paper(key_file: Path) -> None:
    """Where someone signed (a physical collection point) is the organisers' to know."""
    add_paper(populate())
    data = json.loads(export(key_file, "--format", "json", "--for-target"))
    assert all(set(r) == set(exports.TARGET_COLUMNS) for r in data["signatures"])
    assert "paper" not in data and "source" not in json.dumps(data)
    header = next(csv.reader(io.StringIO(export(key_file, "--format", "csv", "--for-target"))))
    assert header == exports.TARGET_COLUMNS
