from __future__ import annotations

import csv
import io

import pypdf
import pytest
from django.core.cache import cache
from django.test import Client

from undersigned.lib import manifest
from undersigned.statements.models import Signature, Statement
from undersigned.test import make_endorsement, make_statement

pytestmark = pytest.mark.django_db

PACKAGE = "/en/stop-the-war/package.zip"
PAGE = "/en/stop-the-war/"


def closed_statement() -> Statement:
    statement = make_statement()
    make_endorsement(statement, name="Kyiv Union", state="approved")
    make_endorsement(statement, name="Waiting Group", website="https://wait.org/")
    for n in range(70):
        signature, _ = Signature.sign(
            statement,
            language="en",
            name=f"Publicname{n} Person",
            email=f"p{n}@example.org",
            country="UA" if n < 40 else "PL" if n < 60 else "LT" if n < 65 else "DE",
            visibility=1,
        )
        assert signature is not None
        signature.confirm()
    statement.close()
    return statement


def test_a_closed_statement_offers_organisations_and_counts_without_names() -> None:
    closed_statement()
    response = Client().get(PACKAGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="stop-the-war-package.zip"' in response["Content-Disposition"]
    body = response.content
    checked = manifest.verify_package(io.BytesIO(body), None)
    assert checked["kind"] == "public" and checked["signing_key"] == ""
    members = manifest.read_members(io.BytesIO(body))
    assert "signers.csv" not in members and manifest.SIGNATURE not in members
    assert "Kyiv Union" in members["organisations.csv"].decode()
    assert "Waiting Group" not in members["organisations.csv"].decode()
    counts = dict(csv.reader(io.StringIO(members["counts.csv"].decode())))
    assert counts["Confirmed online"] == "70" and counts["Ukraine"] == "40"
    # Two small parts and Poland together as "other": none of them can be worked out.
    assert counts["Lithuania"] == counts["Germany"] == "fewer than 10"
    assert counts["Other countries"] == "30" and "Poland" not in counts
    pdf = pypdf.PdfReader(io.BytesIO(members["statement.pdf"]))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Title en" in text and "Title uk" in text and "Kyiv Union" in text
    assert "Publicname" not in text and b"Publicname" not in body
    assert "not signed" in members["how-to-check.txt"].decode()


def test_the_closed_page_links_to_it_and_an_open_one_has_none() -> None:
    statement = make_statement()
    assert "package.zip" not in Client().get(PAGE).content.decode()
    assert Client().get(PACKAGE).status_code == 404
    statement.close()
    cache.clear()  # the page is cached for PAGE_CACHE_SECONDS
    assert 'href="/en/stop-the-war/package.zip"' in Client().get(PAGE).content.decode()


def test_a_draft_has_no_package() -> None:
    make_statement(state=Statement.State.DRAFT)
    assert Client().get(PACKAGE).status_code == 404


def test_the_package_is_in_the_readers_language() -> None:
    closed_statement()
    body = Client().get("/uk/stop-the-war/package.zip").content
    counts = manifest.read_members(io.BytesIO(body))["counts.csv"].decode()
    assert "Україна" in counts
