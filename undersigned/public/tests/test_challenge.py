from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from undersigned.lib.proofofwork import check, solve
from undersigned.statements.models import Statement
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_it_hands_out_a_fresh_challenge_bound_to_the_statement() -> None:
    statement = make_statement()
    first = Client().get("/pow/stop-the-war.json")
    second = Client().get("/pow/stop-the-war.json")
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    assert "no-store" in first["Cache-Control"] and not first.cookies
    assert first.json()["salt"] != second.json()["salt"]
    assert first.json()["maxNumber"] == settings.POW_MAX_NUMBER
    challenge = {**first.json(), "maxNumber": settings.POW_MAX_NUMBER}
    proof = check(
        solve(challenge),
        settings.SECRET_KEY,
        statement_id=statement.pk,
        now=dt.datetime.now(dt.UTC),
    )
    assert proof.ok


@pytest.mark.parametrize("state", [Statement.State.DRAFT])
def test_a_draft_has_no_challenge(state: str) -> None:
    make_statement(state=state)
    assert Client().get("/pow/stop-the-war.json").status_code == 404


def test_the_scripts_are_served_from_our_origin() -> None:
    for name in ("pow.js", "pow-worker.js"):
        response = Client().get(f"/static/undersigned/{name}")
        assert response.status_code == 200
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert b"http" not in body.replace(b"https?", b"")
