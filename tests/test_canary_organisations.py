"""Issue 19: a hidden organisation among five is counted, and its name, website and note
(canary strings) reach no public output; the moderators still see them in /control/."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdf
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from undersigned.lib import manifest
from undersigned.statements.models import Endorsement, Statement
from undersigned.statements.roles import MODERATORS
from undersigned.test import TEST_KEYS, make_endorsement, make_statement, make_user, staff_client

pytestmark = pytest.mark.django_db

CANARY = "Kanareyka7f3a"
SECRETS = (CANARY, "canary7f3a-site", "Note7f3a")


def five_organisations() -> Statement:
    statement = make_statement()
    for n, country in enumerate(("UA", "PL", "DE", "RU")):
        make_endorsement(
            statement,
            name=f"Named Group {n}",
            country=country,
            website=f"https://group{n}.example.org/",
            kind="association",
            state="approved",
        )
    make_endorsement(
        statement,
        name=f"{CANARY} Workers' Union",
        country="RU",
        website="https://canary7f3a-site.example.net/",
        email="contact@canary7f3a-site.example.net",
        note="Note7f3a: our branch",
        state="approved",
        hidden=True,
    )
    return statement


def public_answers() -> dict[str, bytes]:
    client = Client()
    paths = ["/count/stop-the-war.json", "/log/stop-the-war/count.json"]
    # The open data and the embeds (issue 15) are public outputs too.
    api = "/api/v1/statements/stop-the-war"
    paths += [f"{api}/", f"{api}/organisations/", f"{api}/counts/", "/api/v1/statements/"]
    paths += ["/embed/stop-the-war/", "/embed/stop-the-war/badge.svg"]
    paths += [f"/{language}/stop-the-war/statistics/" for language in ("en", "uk", "ru")]
    for language in ("en", "uk", "ru"):
        base = f"/{language}/stop-the-war"
        paths += [f"{base}/", f"{base}/organisations/", f"{base}/organisations/feed/"]
        paths += [f"{base}/thanks/?organisation=1", f"/{language}/"]
    answers = {path: client.get(path).content for path in paths}
    # Searching for the name must not find it, not even in part (the page repeats the
    # query itself, which is the searcher's own words: that is taken out before the check).
    for query in (CANARY, "Workers", "union"):
        body = client.get("/en/stop-the-war/organisations/", {"q": query}).content.decode()
        assert "0 organisations match" in body, query
        echoed = body.replace(f"“{query}”", "").replace(f'value="{query}"', "")
        answers[f"search {query}"] = echoed.encode()
    return answers


def readable(body: bytes) -> bytes:
    """BODY, with a zip's members (and an XLSX's parts) unpacked and a PDF's text taken out,
    so that a search sees what a reader of the file would."""
    if body.startswith(b"%PDF"):
        pages = pypdf.PdfReader(io.BytesIO(body)).pages
        return "\n".join(page.extract_text() for page in pages).encode()
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return b"\n".join(readable(archive.read(name)) for name in archive.namelist())
    return body


def packages(statement: Statement, tmp_path: Path, key: Path) -> dict[str, bytes]:
    """The public package of the closed statement, and the organisers' one for the target."""
    statement.close()
    cache.clear()
    found = {"public package": Client().get("/en/stop-the-war/package.zip").content}
    key.with_name("organisers-signing.key").write_text(manifest.generate_signing_keypair()[1])
    target = tmp_path / "package.zip"
    call_command(
        "package", "stop-the-war", "--key", str(key), "--output", str(target),
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    found["package for the target"] = target.read_bytes()
    assert b"An organisation in Russia" in readable(found["public package"])
    return found


def test_a_hidden_organisation_is_counted_and_named_nowhere_public(tmp_path: Path) -> None:
    statement = five_organisations()
    answers = public_answers()
    page = answers["/en/stop-the-war/"].decode()
    assert 'Organisations <span class="n">(5)</span>' in page
    assert "An organisation in Russia (Trade union)" in page
    assert "Організація з країни" in answers["/uk/stop-the-war/organisations/"].decode()
    feed = answers["/en/stop-the-war/organisations/feed/"].decode()
    assert feed.count("<entry>") == 5 and "An organisation in Russia" in feed
    key = tmp_path / "organisers.key"
    key.write_text(TEST_KEYS[1] + "\n")
    for fmt in ("json", "csv"):
        out = io.StringIO()
        call_command(
            "export", "stop-the-war", "--key", str(key), "--format", fmt, "--for-target",
            stdout=out, stderr=io.StringIO(),
        )  # fmt: skip
        answers[f"export --for-target --format {fmt}"] = out.getvalue().encode()
    answers |= packages(statement, tmp_path, key)
    for where, body in answers.items():
        for secret in SECRETS:
            assert secret.lower().encode() not in readable(body).lower(), (where, secret)


def test_a_moderator_still_sees_the_hidden_organisation() -> None:
    five_organisations()
    client = staff_client(make_user("max", MODERATORS))
    queue = client.get("/control/endorsements/", {"state": "all"}).content.decode()
    assert CANARY in queue and "canary7f3a-site" in queue and "hidden in public" in queue
    hidden = Endorsement.objects.get(hidden=True)
    detail = client.get(f"/control/endorsements/{hidden.pk}/").content.decode()
    assert CANARY in detail and "Note7f3a" in detail
    assert "An organisation in Russia (Trade union)" in detail
