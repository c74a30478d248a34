"""The published count says which checkpoint of the count log it matches: on the statement
page, in /count/<slug>.json and in the open data API (issue 17), and never below the
small-number threshold (P9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from undersigned.lib.tlog import note
from undersigned.statements import tlog
from undersigned.statements.models import Signature, Statement, Witness
from undersigned.test import make_statement, signed_up

pytestmark = pytest.mark.django_db


def logged(n: int) -> Statement:
    statement = make_statement()
    for i in range(n):
        signature, _message = Signature.sign(
            statement, language="en", name=f"Anna {i}", email=f"a{i}@example.org", country="UA"
        )
        assert signature is not None
        signature.confirm()
    tlog.tick()
    return statement


def cosign(size: int, *names: str) -> None:
    text = Client().get("/log/stop-the-war/checkpoint").content.decode().split("\n\n")[0] + "\n"
    for i, name in enumerate(names):
        witness = note.Signer.generate(f"ngo{i}.example/w", note.COSIGNATURE_V1)
        Witness.objects.create(vkey=witness.verifier.vkey, public_name=name)
        line = witness.signature_line(text.encode(), timestamp=5)
        answer = Client().post("/log/stop-the-war/cosignature", {"size": str(size), "line": line})
        assert answer.status_code == 201


def test_the_page_names_its_checkpoint_and_only_the_witnesses_who_chose_to_be_named() -> None:
    logged(12)
    cosign(12, "Memorial", "")
    page = Client().get("/en/stop-the-war/").content.decode()
    assert "This count is in the signed count log" in page
    assert "12 entries" in page
    assert "Count witnessed by 2 organisations" in page
    assert ": Memorial." in page
    assert 'href="/log/stop-the-war/checkpoint"' in page
    assert 'href="/log/stop-the-war/receipt/"' in page


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_the_log_line_is_translated(language: str) -> None:
    logged(12)
    cosign(12, "Memorial")
    page = Client().get(f"/{language}/stop-the-war/").content.decode()
    with translation.override(language):
        assert translation.gettext("Check a receipt") != "Check a receipt"
    assert "This count is in the signed count log" not in page
    assert "Memorial" in page


def test_a_warm_page_reads_the_log_from_the_cache_not_the_database() -> None:
    logged(12)
    Client().get("/en/stop-the-war/")
    with CaptureQueriesContext(connection) as queries:
        Client().get("/en/stop-the-war/")
    assert not [q for q in queries.captured_queries if "log" in q["sql"]]


def test_count_json_names_the_checkpoint_the_total_matches() -> None:
    logged(12)
    data = Client().get("/count/stop-the-war.json").json()
    assert data["counted"] == 12 and data["total"] == 12 and data["suppress_below"] == 10
    log = data["log"]
    assert (log["tree_size"], log["count"], log["matches"]) == (12, 12, True)
    assert log["checkpoint"] == "/log/stop-the-war/checkpoint"
    assert log["witnessed"] is None


def test_count_json_says_fewer_than_below_the_threshold_and_names_no_checkpoint() -> None:
    logged(3)
    data = Client().get("/count/stop-the-war.json").json()
    assert data["counted"] is None and data["total"] is None and data["log"] is None
    assert data["suppress_below"] == 10
    page = Client().get("/en/stop-the-war/").content.decode()
    assert "signed count log" not in page


def test_the_api_counts_name_the_checkpoint() -> None:
    logged(12)
    cosign(12, "Memorial")
    log = Client().get("/api/v1/statements/stop-the-war/counts/").json()["log"]
    assert log["tree_size"] == 12 and log["matches"]
    assert log["witnessed"]["named_witnesses"] == ["Memorial"]


def test_count_json_says_fewer_than_for_no_unverified_signature_too() -> None:
    logged(12)
    assert Client().get("/count/stop-the-war.json").json()["unverified"] is None
    with override_settings(SUPPRESS_BELOW=0):
        assert Client().get("/count/stop-the-war.json").json()["unverified"] == 0


def test_a_withheld_total_is_not_published_through_the_log_either() -> None:
    from undersigned.statements import paper

    statement = logged(12)
    header = "sheet,name,email,country,city,affiliation,visibility,signed_on\n"
    rows = "".join(f"000{i},Paper {i},,UA,,,4,\n" for i in range(1, 4))
    paper.import_rows(statement, paper.parse(header + rows))
    tlog.tick(timezone.now() + dt.timedelta(seconds=61))
    data = Client().get("/count/stop-the-war.json").json()
    assert (data["counted"], data["paper"], data["total"], data["log"]) == (12, None, None, None)
    assert Client().get("/api/v1/statements/stop-the-war/counts/").json()["log"] is None
    assert "signed count log" not in Client().get("/en/stop-the-war/").content.decode()


def test_a_checkpoint_below_the_threshold_is_not_named_while_the_total_is_shown() -> None:
    statement = logged(9)
    for i in range(3):
        signed_up(statement, f"b{i}@example.org", name=f"Boris {i}")
    data = Client().get("/count/stop-the-war.json").json()
    assert data["total"] == 12 and data["log"] is None
    page = Client().get("/en/stop-the-war/").content.decode()
    assert "12" in page and "signed count log" not in page
