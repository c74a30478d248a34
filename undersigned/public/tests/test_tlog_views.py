from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from undersigned.lib.tlog import client, note, tiles
from undersigned.lib.tlog.checkpoint import open_checkpoint
from undersigned.lib.tlog.tests.test_tlogcheck import SKIP_WITHOUT_GO, build_tlogcheck
from undersigned.statements import tlog
from undersigned.statements.models import LogCheckpoint, Signature, Statement, Witness
from undersigned.test import make_statement, signed_up

pytestmark = pytest.mark.django_db


def signed(statement: Statement, i: int) -> tuple[Signature, str]:
    signature, links = signed_up(statement, f"anna{i}@example.org", name=f"Anna {i}")
    return signature, links["manage_token"]


def logged_statement(n: int = 3) -> tuple[Statement, list[str]]:
    statement = make_statement()
    tokens = [signed(statement, i)[1] for i in range(n)]
    tlog.tick()
    return statement, tokens


def test_the_checkpoint_is_a_signed_note_that_the_served_key_verifies() -> None:
    logged_statement()
    response = Client().get("/log/stop-the-war/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=5"
    vkey = Client().get("/log/stop-the-war/vkey").content.decode().strip()
    opened = open_checkpoint(response.content.decode(), note.Verifier.parse(vkey))
    assert opened.checkpoint.size == 3 and opened.checkpoint.origin.endswith("/log/stop-the-war")


def test_tiles_are_immutable_and_only_within_a_checkpoint() -> None:
    logged_statement()
    response = Client().get("/log/stop-the-war/tile/0/000.p/3")
    assert response.status_code == 200 and len(response.content) == 3 * 32
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Client().get("/log/stop-the-war/tile/entries/000.p/3").status_code == 200
    for missing in ("tile/0/000.p/4", "tile/0/000", "tile/0/000.p/0", "tile/x/000"):
        assert Client().get(f"/log/stop-the-war/{missing}").status_code == 404


def test_the_count_json_names_its_checkpoint_and_only_named_witnesses() -> None:
    logged_statement()
    named = note.Signer.generate("ngo.example/a", note.COSIGNATURE_V1)
    quiet = note.Signer.generate("ngo.example/b", note.COSIGNATURE_V1)
    Witness.objects.create(vkey=named.verifier.vkey, public_name="Memorial")
    Witness.objects.create(vkey=quiet.verifier.vkey)
    text = Client().get("/log/stop-the-war/checkpoint").content.decode().split("\n\n")[0] + "\n"
    for witness in (named, quiet):
        line = witness.signature_line(text.encode(), timestamp=5)
        Client().post("/log/stop-the-war/cosignature", {"size": "3", "line": line})
    data = Client().get("/log/stop-the-war/count.json").json()
    assert data["checkpoint"] == 3 and data["count"] == 3
    assert data["witnesses"] == 2 and data["named_witnesses"] == ["Memorial"]


def test_a_draft_statement_has_no_log() -> None:
    make_statement("draft-one", state=Statement.State.DRAFT)
    assert Client().get("/log/draft-one/checkpoint").status_code == 404
    assert Client().get("/log/draft-one/vkey").status_code == 404
    assert Client().get("/log/nothing-here/checkpoint").status_code == 404


def test_no_checkpoint_before_the_first_signature() -> None:
    make_statement()
    tlog.tick()
    assert Client().get("/log/stop-the-war/checkpoint").status_code == 404


def test_a_registered_witness_posts_its_cosignature_and_it_is_published() -> None:
    logged_statement()
    witness = note.Signer.generate("ngo.example/w", note.COSIGNATURE_V1)
    Witness.objects.create(vkey=witness.verifier.vkey, public_name="NGO")
    text = Client().get("/log/stop-the-war/checkpoint").content.decode().split("\n\n")[0] + "\n"
    line = witness.signature_line(text.encode(), timestamp=1_764_000_000)
    response = Client().post("/log/stop-the-war/cosignature", {"size": "3", "line": line})
    assert response.status_code == 201
    served = Client().get("/log/stop-the-war/checkpoint").content.decode()
    assert note.open_note(served, [witness.verifier]).verified[witness.verifier] == 1_764_000_000


def test_a_stranger_cosignature_is_refused_plainly() -> None:
    logged_statement()
    stranger = note.Signer.generate("x.example/w", note.COSIGNATURE_V1)
    line = stranger.signature_line(b"x\n", timestamp=1)
    response = Client().post("/log/stop-the-war/cosignature", {"size": "3", "line": line})
    assert response.status_code == 400 and b"no registered witness" in response.content
    response = Client().post("/log/stop-the-war/cosignature", {"size": "three", "line": line})
    assert response.status_code == 400


def test_a_signer_gets_a_receipt_that_proves_their_leaf_through_the_manage_link() -> None:
    _statement, tokens = logged_statement()
    response = Client().get(f"/en/manage/{tokens[1]}/receipt/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    receipt = client.Receipt.parse(response.content.decode())

    def fetch(url: str) -> bytes:
        return Client().get(url.split("127.0.0.1:8000", 1)[1]).content

    log = client.Log("http://127.0.0.1:8000/log/stop-the-war/", fetch)
    key = note.Verifier.parse(fetch("http://127.0.0.1:8000/log/stop-the-war/vkey").decode())
    status = client.check_receipt(log, key, receipt)
    assert status.event.seq == receipt.index and status.removed_by is None


def test_a_receipt_before_the_leaf_exists_says_so_and_a_bad_link_is_404() -> None:
    statement = make_statement()
    _signature, token = signed(statement, 1)
    response = Client().get(f"/en/manage/{token}/receipt/")
    assert response.status_code == 404 and b"not in the count log yet" in response.content
    assert Client().get("/en/manage/" + "x" * 32 + "/receipt/").status_code == 404


@SKIP_WITHOUT_GO
def test_go_sumdb_verifies_the_log_the_site_serves(tmp_path: Path) -> None:
    """The independent check of issue 17: golang.org/x/mod/sumdb/{tlog,note} read the
    checkpoint, the cosignature, every tile and entry bundle as served by the site."""
    statement, _tokens = logged_statement(5)
    Signature.objects.filter(statement=statement).first().withdraw()  # type: ignore[union-attr]
    witness = note.Signer.generate("ngo.example/w", note.COSIGNATURE_V1)
    Witness.objects.create(vkey=witness.verifier.vkey)
    LogCheckpoint.objects.all().update(created_at=timezone.now() - dt.timedelta(minutes=5))
    tlog.tick()
    size = LogCheckpoint.objects.latest().size
    served = Client().get("/log/stop-the-war/checkpoint").content.decode()
    line = witness.signature_line((served.split("\n\n")[0] + "\n").encode(), timestamp=1000)
    Client().post("/log/stop-the-war/cosignature", {"size": str(size), "line": line})
    cache.clear()
    root = tmp_path / "log"
    for resource in ["checkpoint", *(t.path for t in tiles.tiles_for_size(size))]:
        (root / resource).parent.mkdir(parents=True, exist_ok=True)
        (root / resource).write_bytes(Client().get(f"/log/stop-the-war/{resource}").content)
    (root / "proofs.json").write_text('{"inclusion": [], "consistency": []}')
    binary = build_tlogcheck(tmp_path / "go")
    vkey = Client().get("/log/stop-the-war/vkey").content.decode().strip()
    result = subprocess.run(
        [str(binary), "-dir", str(root), "-vkey", vkey, "-witness", witness.verifier.vkey],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"equals the checkpoint root at size {size}" in result.stdout
    assert f"of all {size} entries" in result.stdout and "cosignature v1 by ngo" in result.stdout


def test_the_receipt_page_checks_a_pasted_receipt_without_javascript() -> None:
    _statement, tokens = logged_statement()
    manage = Client().get(f"/en/manage/{tokens[1]}/").content.decode()
    assert 'href="receipt/"' in manage
    pasted = Client().get(f"/en/manage/{tokens[1]}/receipt/").content.decode()
    form = Client().get("/log/stop-the-war/receipt/")
    assert form.status_code == 200 and form["Cache-Control"] == "no-store"
    answer = Client().post("/log/stop-the-war/receipt/", {"receipt": pasted})
    assert answer.status_code == 200
    assert "The receipt checks out" in answer.content.decode()
    assert "Your signature counts." in answer.content.decode()


def test_the_receipt_page_says_a_withdrawal_and_refuses_another_secret() -> None:
    statement, tokens = logged_statement()
    pasted = Client().get(f"/en/manage/{tokens[0]}/receipt/").content.decode()
    Client().post(f"/en/manage/{tokens[0]}/", {"action": "withdraw"})
    tlog.tick(timezone.now() + dt.timedelta(seconds=61))
    answer = Client().post("/log/stop-the-war/receipt/", {"receipt": pasted}).content.decode()
    assert "removed this signature from the count" in answer
    forged = pasted.replace(pasted.split("\n")[3], "c2VjcmV0")
    refused = Client().post("/log/stop-the-war/receipt/", {"receipt": forged})
    assert refused.status_code == 400
    assert "not the receipt&#x27;s secret" in refused.content.decode()
    garbage = Client().post("/log/stop-the-war/receipt/", {"receipt": "hello"})
    assert garbage.status_code == 400


def test_before_its_checkpoint_the_manage_page_says_the_receipt_comes_later() -> None:
    statement = make_statement()
    _signature, token = signed(statement, 1)
    page = Client().get(f"/en/manage/{token}/").content.decode()
    assert "will be available here after the next checkpoint" in page
    assert 'href="receipt/"' not in page
