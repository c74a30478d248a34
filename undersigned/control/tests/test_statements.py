"""Statements from the browser: upload, versions and their changes, publish, close, goal."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from undersigned.statements.models import AuditEntry, Statement
from undersigned.statements.roles import MODERATORS, ORGANISERS
from undersigned.test import TEST_KEYS, make_statement, make_user, staff_client

pytestmark = pytest.mark.django_db
UPLOAD = "/control/upload/"

EN = """---
slug: stop-the-war
language: en
title: "Stop the war"
demands:
  - "Withdraw all troops"
goal: 500
languages: [en, uk]
---
We, the undersigned, ask for peace.

Second paragraph.
"""
UK = """---
slug: stop-the-war
language: uk
title: "Зупиніть війну"
demands:
  - "Виведіть усі війська"
---
Ми, що підписалися, просимо миру.
"""


def md(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/markdown")


@pytest.fixture
def organiser() -> Client:
    client: Client = staff_client(make_user("olga", ORGANISERS))
    return client


def upload(client: Client, *files: SimpleUploadedFile, key: str = TEST_KEYS[0]) -> Any:
    return client.post(UPLOAD, {"markdown": list(files), "public_key": key})


def test_uploading_creates_a_draft_then_a_new_version_shows_what_changed(
    organiser: Client,
) -> None:
    response = upload(organiser, md("statement.md", EN), md("statement.uk.md", UK))
    assert (
        response.status_code == 302 and response["Location"] == "/control/statements/stop-the-war/"
    )
    statement = Statement.objects.get()
    assert statement.state == "draft" and statement.goal == 500
    assert statement.public_key == TEST_KEYS[0]
    assert sorted(statement.versions.values_list("language", "number")) == [("en", 1), ("uk", 1)]
    changed = EN.replace("ask for peace", "demand peace now")
    assert (
        upload(organiser, md("statement.md", changed), md("statement.uk.md", UK)).status_code == 302
    )
    listing = organiser.get("/control/statements/stop-the-war/").content.decode()
    assert "version 2" in listing and "version 1" in listing
    v2 = statement.versions.get(language="en", number=2)
    page = organiser.get(f"/control/statements/stop-the-war/versions/{v2.pk}/").content.decode()
    assert "<del>-We, the undersigned, ask for peace.</del>" in page
    assert "<ins>+We, the undersigned, demand peace now.</ins>" in page
    assert "What changed from version 1 to version 2" in page
    assert [e.reason for e in AuditEntry.objects.filter(action="edit").order_by("id")] == [
        "Created. New text versions: en v1, uk v1. Formatting updated in place: —.",
        "Updated. New text versions: en v2. Formatting updated in place: —.",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (EN.replace("slug: stop-the-war", "slug: Stop War"), "statement.md, line 2: 'slug' must"),
        (EN.replace("goal: 500", "goal: many"), "statement.md, line 7: 'goal' must be a positive"),
        (EN.replace("title:", "titel:"), "statement.md, line 4: unknown key 'titel'"),
    ],
)
def test_a_file_with_a_mistake_is_named_with_its_line_and_nothing_changes(
    organiser: Client, text: str, message: str
) -> None:
    response = upload(organiser, md("statement.md", text))
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Statement.objects.exists()


def test_no_file_and_a_bad_key_are_explained(organiser: Client) -> None:
    response = organiser.post(UPLOAD, {})
    assert response.status_code == 400 and "choose the statement" in response.content.decode()
    response = upload(organiser, md("statement.md", EN), key="not a key")
    assert response.status_code == 400 and not Statement.objects.exists()


def test_publish_then_close_each_audited(organiser: Client) -> None:
    statement = make_statement(state="draft")
    assert organiser.post("/control/statements/stop-the-war/publish/").status_code == 302
    statement.refresh_from_db()
    assert statement.state == "published"
    response = organiser.post("/control/statements/stop-the-war/publish/", follow=True)
    assert "Only a draft can be published." in response.content.decode()
    organiser.post("/control/statements/stop-the-war/close/")
    statement.refresh_from_db()
    assert statement.state == "closed"
    assert [e.reason for e in AuditEntry.objects.order_by("id")] == ["published", "closed"]


def test_the_goal_and_dates_are_set_and_checked(organiser: Client) -> None:
    statement = make_statement()
    url = "/control/statements/stop-the-war/"
    response = organiser.post(url, {"goal": "2500", "opens_on": "2026-12-01", "closes_on": ""})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.goal == 2500 and str(statement.opens_on) == "2026-12-01"
    response = organiser.post(
        url, {"goal": "", "opens_on": "2026-12-01", "closes_on": "2026-11-01"}
    )
    assert response.status_code == 400 and "must be after the opening" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/control/statements/",
        UPLOAD,
        "/control/statements/stop-the-war/",
    ],
)
def test_moderators_do_not_manage_statements(url: str) -> None:
    make_statement(state="draft")
    client = staff_client(make_user("max", MODERATORS))
    assert client.get(url).status_code == 403
    assert client.post("/control/statements/stop-the-war/publish/").status_code == 403
    assert Statement.objects.get().state == "draft"


def test_publishing_without_a_public_key_is_refused_with_the_reason(organiser: Client) -> None:
    make_statement(state="draft", public_key="")
    page = html.unescape(organiser.get("/control/statements/stop-the-war/").content.decode())
    assert "This statement has no organisers' public key" in page
    response = organiser.post("/control/statements/stop-the-war/publish/", follow=True)
    assert "nobody could sign it" in html.unescape(response.content.decode())
    assert Statement.objects.get().state == "draft"


def test_the_page_of_a_public_statement_gives_the_snippets_to_embed_it(organiser: Client) -> None:
    make_statement()
    page = organiser.get("/control/statements/stop-the-war/").content.decode()
    assert '&lt;iframe src="http://127.0.0.1:8000/embed/stop-the-war/"' in page
    assert "/embed/stop-the-war/badge.svg" in page
    assert "/api/v1/statements/stop-the-war/counts/" in page
    make_statement("a-draft", state="draft")
    draft = organiser.get("/control/statements/a-draft/").content.decode()
    assert "/embed/" not in draft  # it would answer 404 until published
