from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

import pypdf
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from undersigned.lib import manifest
from undersigned.statements import paper
from undersigned.statements.models import Signature, Statement, StatementVersion
from undersigned.test import TEST_KEYS, make_endorsement, make_statement

pytestmark = pytest.mark.django_db

TITLES = {"en": "Stop the war", "uk": "Зупиніть війну", "ru": "Остановите войну"}
# 200 signers: (country, how many). LT is small, BY is never named (high-risk), and DE
# joins them under "other" so that neither can be worked out from the total.
COUNTRIES = [("UA", 120), ("PL", 40), ("GE", 20), ("DE", 15), ("LT", 3), ("BY", 2)]


def make_signers(statement: Statement) -> dict[int, list[str]]:
    """200 confirmed signers of every visibility; return each visibility's canary words."""
    canaries: dict[int, list[str]] = {1: [], 2: [], 3: [], 4: []}
    n = 0
    for country, count in COUNTRIES:
        for _ in range(count):
            n += 1
            visibility = n % 4 + 1
            name = f"Canary{visibility}x{n:03d} Surname{n:03d}"
            city, affiliation = f"Cityzz{n:03d}", f"Affilzz{n:03d}"
            signature, _m = Signature.sign(
                statement,
                language="en",
                name=name,
                email=f"s{n}@example.org",
                country=country,
                city=city,
                affiliation=affiliation,
                visibility=visibility,
            )
            assert signature is not None
            signature.confirm()
            canaries[visibility] += [name, city, affiliation]
    return canaries


@pytest.fixture
def statement() -> Statement:
    statement = make_statement()
    for language, title in TITLES.items():
        StatementVersion.objects.filter(statement=statement, language=language).update(title=title)
    return statement


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, str]:
    """The organisers' key file, with its signing key beside it; and the public signing key."""
    (tmp_path / "organisers.key").write_text(TEST_KEYS[1] + "\n")
    public, private = manifest.generate_signing_keypair()
    (tmp_path / "organisers-signing.key").write_text(private + "\n")
    return tmp_path / "organisers.key", public


def build(statement: Statement, key: Path, out: Path) -> Path:
    call_command(
        "package",
        statement.slug,
        "--key",
        str(key),
        "--output",
        str(out),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return out


def verify(path: Path, public: str | None = None) -> str:
    out = io.StringIO()
    args = [] if public is None else ["--public-key", public]
    call_command("verify-package", str(path), *args, stdout=out)
    return out.getvalue()


def everything_readable(package: bytes) -> str:
    """Every byte of the archive as text, unpacked: members, the workbook's parts, PDF text."""
    members = manifest.read_members(io.BytesIO(package))
    texts = [package.decode("latin-1")]
    for name, content in members.items():
        texts.append(content.decode("utf-8", "replace"))
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(content)) as book:
                texts += [book.read(part).decode("utf-8", "replace") for part in book.namelist()]
        if name.endswith(".pdf"):
            reader = pypdf.PdfReader(io.BytesIO(content))
            texts += [page.extract_text() for page in reader.pages]
    return "\n".join(texts)


@pytest.fixture
def full(statement: Statement, keys: tuple[Path, str], tmp_path: Path) -> tuple[Path, dict]:
    canaries = make_signers(statement)
    for n, country in enumerate(["UA", "UA", "PL", "DE", "GE"]):
        make_endorsement(
            statement,
            name=f"Union {n}",
            country=country,
            website=f"https://u{n}.example.org/",
            email=f"c{n}@u{n}.example.org",
            state="approved",
        )
    add_paper(statement, canaries)
    return build(statement, keys[0], tmp_path / "statement.zip"), canaries


def add_paper(statement: Statement, canaries: dict[int, list[str]]) -> None:
    """20 paper signatures, five of each visibility, on two sheets."""
    lines = ["sheet,name,email,country,city,affiliation,visibility,signed_on"]
    for n in range(20):
        visibility = n % 4 + 1
        name, city, affiliation = (
            f"Paper{visibility}x{n:02d} Person",
            f"Papercity{n:02d}q",
            f"Paperaff{n:02d}q",
        )
        lines.append(f"{n // 10 + 1:04d},{name},,UA,{city},{affiliation},{visibility},")
        canaries[visibility] += [name, city, affiliation]
    paper.import_rows(statement, paper.parse("\n".join(lines) + "\n"))


def test_the_package_verifies_and_any_changed_byte_is_named(
    full: tuple[Path, dict], keys: tuple[Path, str]
) -> None:
    path, _ = full
    assert "OK" in verify(path, keys[1])
    package = path.read_bytes()
    members = manifest.read_members(io.BytesIO(package))
    assert set(members) == {
        "statement.pdf",
        "statement.xlsx",
        "signers.csv",
        "counts.csv",
        "organisations.csv",
        "how-to-check.txt",
        "manifest.json",
        "manifest.sig",
    }
    for name, content in members.items():
        # The first, the last and 40 bytes between, of each file.
        for at in sorted({0, len(content) - 1, *range(0, len(content), len(content) // 40 or 1)}):
            changed = dict(members)
            changed[name] = content[:at] + bytes([content[at] ^ 0x20]) + content[at + 1 :]
            bad = path.with_name("changed.zip")
            with zipfile.ZipFile(bad, "w") as archive:
                for member, data in changed.items():
                    archive.writestr(member, data)
            with pytest.raises(CommandError, match=f"NOT check out. {name}"):
                verify(bad, keys[1])


def test_hidden_signers_names_appear_nowhere_in_the_archive(full: tuple[Path, dict]) -> None:
    path, canaries = full
    everything = everything_readable(path.read_bytes())
    for word in canaries[4]:
        assert word not in everything
    # Initials and country only: no full name, city or affiliation.
    for word in canaries[3]:
        assert word not in everything
    # Name only: the name, but no city or affiliation.
    names, *rest = canaries[2][0::3], canaries[2][1::3], canaries[2][2::3]
    assert all(name in everything for name in names)
    assert not any(word in everything for words in rest for word in words)
    # Public: all three.
    assert all(word in everything for word in canaries[1])


def test_the_package_lists_signers_as_shown_and_counts_hidden_ones(
    full: tuple[Path, dict],
) -> None:
    path, _ = full
    members = manifest.read_members(io.BytesIO(path.read_bytes()))
    rows = list(csv.DictReader(io.StringIO(members["signers.csv"].decode())))
    assert len(rows) == 165  # visibilities 1, 2 and 3 of 200 online and 20 on paper
    # n=1 name only, n=2 initials and country, n=3 hidden (left out), n=4 public.
    assert [row["name"] for row in rows[:3]] == [
        "Canary2x001 Surname001",
        "C.S.",
        "Canary1x004 Surname004",
    ]
    assert rows[1]["country"] == "UA" and rows[1]["city"] == "" and rows[2]["city"] == "Cityzz004"
    counts = dict(csv.reader(io.StringIO(members["counts.csv"].decode())))
    assert counts["Confirmed online"] == "200"
    assert counts["On paper"] == "20" and counts["Total"] == "220"
    assert counts["Not listed (asked not to be named)"] == "55"
    assert counts["Ukraine"] == "140" and counts["Poland"] == "40"
    assert counts["Lithuania"] == "fewer than 10" and counts["Other countries"] == "20"
    assert "Germany" not in counts and "Belarus" not in counts
    book = load_workbook(io.BytesIO(members["statement.xlsx"]), read_only=True)
    assert book.sheetnames == ["counts", "organisations", "signers"]
    assert len(list(book["signers"].rows)) == 166


def test_the_pdf_holds_the_title_in_every_language_and_the_organisations(
    full: tuple[Path, dict],
) -> None:
    path, _ = full
    pdf = manifest.read_members(io.BytesIO(path.read_bytes()))["statement.pdf"]
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for title in TITLES.values():
        assert title in text
    assert all(f"Union {n}" in text for n in range(5))
    assert "fewer than 10" in text


def test_the_how_to_page_names_the_key_and_lists_the_hashes(
    full: tuple[Path, dict], keys: tuple[Path, str]
) -> None:
    path, _ = full
    members = manifest.read_members(io.BytesIO(path.read_bytes()))
    page = members["how-to-check.txt"].decode()
    assert keys[1] in page and "verify-package" in page
    assert f"{manifest.sha256_hex(members['statement.pdf'])}  statement.pdf" in page


def test_another_signing_key_is_refused(full: tuple[Path, dict]) -> None:
    path, _ = full
    other = manifest.generate_signing_keypair()[0]
    with pytest.raises(CommandError, match="manifest.sig"):
        verify(path, other)


def test_without_a_key_only_the_hashes_are_checked(full: tuple[Path, dict]) -> None:
    path, _ = full
    assert "signature was not checked" in verify(path)


def test_a_missing_signing_key_is_explained(statement: Statement, tmp_path: Path) -> None:
    (tmp_path / "organisers.key").write_text(TEST_KEYS[1] + "\n")
    with pytest.raises(CommandError, match="keygen"):
        build(statement, tmp_path / "organisers.key", tmp_path / "out.zip")


def test_a_key_of_another_statement_is_refused(keys: tuple[Path, str], tmp_path: Path) -> None:
    other = make_statement("other", public_key=manifest.generate_signing_keypair()[0])
    with pytest.raises(CommandError, match="does not belong"):
        build(other, keys[0], tmp_path / "out.zip")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_shows_progress_while_the_pdf_is_laid_out(
    full: tuple[Path, dict], keys: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    build(Statement.objects.get(), keys[0], full[0].with_name("again.zip"))
    assert "PDF: 100%" in terminal.getvalue() and "165/165" in terminal.getvalue()
    assert "paper" in terminal.getvalue()


def test_a_pipe_gets_no_progress_bar(
    full: tuple[Path, dict], keys: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    build(Statement.objects.get(), keys[0], full[0].with_name("again.zip"))
    assert "PDF" not in pipe.getvalue()
