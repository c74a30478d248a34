"""`undersigned verify`, `witness` and `verify-receipt` against the site's own log, with the
Django test client standing in for the network."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from undersigned.lib.tlog import client, countlog, merkle, note, tiles
from undersigned.lib.tlog.checkpoint import Checkpoint
from undersigned.statements import services, tlog
from undersigned.statements.models import LogCheckpoint, LogLeaf, Signature, Statement, Witness
from undersigned.test import make_statement, signed_up

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
URL = f"{SITE}/en/stop-the-war/"


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch) -> None:
    def fetch(url: str) -> bytes:
        response = Client().get(url.removeprefix(SITE))
        if response.status_code != 200:
            raise client.VerifyError(f"{response.status_code} for {url}")
        return bytes(response.content)

    def post(url: str, fields: dict[str, str]) -> tuple[int, str]:
        response = Client().post(url.removeprefix(SITE), fields)
        return response.status_code, response.content.decode()

    monkeypatch.setattr(client, "http_fetch", fetch)
    monkeypatch.setattr(client, "http_post", post)


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def tick(self) -> None:
        """A worker pass, a checkpoint interval later."""
        self.now += dt.timedelta(seconds=61)
        tlog.tick(self.now)
        cache.clear()


@pytest.fixture
def clock() -> Iterator[Clock]:
    yield Clock()


def sign(statement: Statement, i: int) -> tuple[Signature, str]:
    signature, links = signed_up(statement, f"p{i}@example.org", name=f"Person {i}")
    return signature, links["manage_token"]


def signatures_withdrawals_and_an_invalidation(clock: Clock, n: int, withdrawn: int) -> Statement:
    statement = make_statement()
    signed = [sign(statement, i)[0] for i in range(n)]
    clock.tick()
    for signature in signed[:withdrawn]:
        Signature.objects.get(pk=signature.pk).withdraw()
    since = Signature.objects.get(pk=signed[n - n // 5].pk).created_at
    services.invalidate(statement, criteria=services.Criteria(since=since), reason="a bot farm")
    clock.tick()
    return statement


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_verify_accepts_the_log_and_its_recount_equals_the_shown_count(
    clock: Clock, tmp_path: Path
) -> None:
    statement = signatures_withdrawals_and_an_invalidation(clock, 20, 3)
    shown = statement.counts()["counted"]
    assert shown == 20 - 3 - 4
    out = run("verify", URL, "--state", str(tmp_path / "seen.json"), "--expect-count", str(shown))
    assert f"count {shown} = 20 counted - 3 withdrawn - 4 invalidated" in out
    assert f"the site's published count at this checkpoint agrees: {shown}" in out
    out = run("verify", URL, "--state", str(tmp_path / "seen.json"))
    assert "consistent with 1 checkpoint(s) seen before" in out
    LogCheckpoint.objects.update(count=shown + 1)
    cache.clear()
    with pytest.raises(CommandError, match=f"publishes {shown + 1} at checkpoint"):
        run("verify", URL, "--state", str(tmp_path / "seen.json"))
    with pytest.raises(CommandError, match="the site says 99"):
        run("verify", URL, "--state", str(tmp_path / "seen.json"), "--expect-count", "99")


def test_verify_accepts_a_paper_batch_resized_by_an_erasure_and_then_undone(
    clock: Clock, tmp_path: Path
) -> None:
    from undersigned.statements import paper
    from undersigned.statements.models import PaperSignature

    statement = make_statement()
    sign(statement, 1)
    header = "sheet,name,email,country,city,affiliation,visibility,signed_on\n"
    rows = "".join(f"000{i},Paper {i},paper{i}@example.org,UA,,,4,\n" for i in range(1, 4))
    batch = paper.import_rows(statement, paper.parse(header + rows)).batch
    assert batch is not None
    clock.tick()
    digest = PaperSignature.objects.filter(batch=batch).values_list("email_digest", flat=True)[0]
    assert digest is not None and paper.erase(statement, digest) == 1
    clock.tick()
    state = str(tmp_path / "seen.json")
    assert "count 3 = 1 counted" in run("verify", URL, "--state", state, "--expect-count", "3")
    paper.undo(batch)
    clock.tick()
    out = run("verify", URL, "--state", state, "--expect-count", "1")
    assert "count 1 = 1 counted" in out and "+ 0 paper" in out


def _tamper(statement: Statement, how: str, i: int) -> None:
    """Change the stored log the way a dishonest or broken server would, consistently (the
    entry and its hash together), and keep the leaves numbered 0..n-1."""
    leaves = LogLeaf.objects.filter(statement=statement)
    if how == "edit":
        leaf = leaves.get(index=i)
        entry = re.sub(rb"hour \S+", b"hour 2000-01-01T00", bytes(leaf.entry))
        leaves.filter(index=i).update(entry=entry, leaf_hash=merkle.leaf_hash(entry))
    elif how == "delete":
        leaves.filter(index=i).delete()
        for leaf in leaves.filter(index__gt=i).order_by("index"):
            leaves.filter(pk=leaf.pk).update(index=leaf.index - 1)
    elif how == "reorder":
        a, b = leaves.get(index=i), leaves.get(index=i + 1)
        leaves.filter(pk=a.pk).update(entry=b.entry, leaf_hash=b.leaf_hash)
        leaves.filter(pk=b.pk).update(entry=a.entry, leaf_hash=a.leaf_hash)
    else:
        copy = leaves.get(index=i)
        for leaf in leaves.filter(index__gte=i).order_by("-index"):
            leaves.filter(pk=leaf.pk).update(index=leaf.index + 1)
        copy.pk = None
        copy.save()
    cache.clear()


@pytest.mark.parametrize("how", ["edit", "delete", "reorder", "insert"])
def test_tampering_with_any_one_leaf_is_detected(clock: Clock, tmp_path: Path, how: str) -> None:
    statement = signatures_withdrawals_and_an_invalidation(clock, 12, 2)
    size = LogLeaf.objects.filter(statement=statement).count()
    rng = random.Random(how)
    for trial in range(5):
        saved = {leaf.pk: (leaf.index, bytes(leaf.entry)) for leaf in LogLeaf.objects.all()}
        _tamper(statement, how, rng.randrange(0, size - 1))
        with pytest.raises(CommandError, match="verification FAILED"):
            run("verify", URL, "--state", str(tmp_path / f"{trial}.json"))
        LogLeaf.objects.all().delete()
        for pk, (index, entry) in saved.items():
            LogLeaf.objects.create(
                pk=pk, statement=statement, index=index, entry=entry,
                leaf_hash=merkle.leaf_hash(entry), adds=b"event counted" in entry
                or b"event released" in entry, commitment="-",
            )  # fmt: skip
        cache.clear()
        run("verify", URL, "--state", str(tmp_path / f"honest{trial}.json"))


def test_a_witness_cosigns_growth_and_refuses_a_forked_checkpoint(
    clock: Clock, tmp_path: Path
) -> None:
    statement = signatures_withdrawals_and_an_invalidation(clock, 10, 1)
    key, state = tmp_path / "witness.key", str(tmp_path / "witness.json")
    vkey = run("witness", URL, "--key", str(key), "--generate", "ngo.example/w").split("\n")[1]
    Witness.objects.create(vkey=vkey, public_name="NGO")
    assert "cosignature published" in run("witness", URL, "--key", str(key), "--state", state)
    cache.clear()
    out = run("verify", URL, "--state", str(tmp_path / "v.json"), "--witness-keys", vkey)
    assert "witnessed by 1: ngo.example/w" in out
    sign(statement, 100)
    clock.tick()
    assert "cosignature published" in run("witness", URL, "--key", str(key), "--state", state)
    # The server rewrites one old leaf and signs a new history from scratch.
    LogCheckpoint.objects.filter(statement=statement).delete()
    _tamper(statement, "edit", 2)
    clock.tick()
    with pytest.raises(CommandError, match="REFUSED to cosign: fork"):
        run("witness", URL, "--key", str(key), "--state", state)
    with pytest.raises(CommandError, match="rewrote its past"):
        run("verify", URL, "--state", str(tmp_path / "v.json"))


def test_verify_receipt_proves_counted_then_withdrawn(clock: Clock, tmp_path: Path) -> None:
    statement = make_statement()
    signature, token = sign(statement, 1)
    sign(statement, 2)
    clock.tick()
    receipt = tmp_path / "receipt.txt"
    receipt.write_bytes(Client().get(f"/en/manage/{token}/receipt/").content)
    state = str(tmp_path / "seen.json")
    assert "your signature counts" in run("verify-receipt", URL, str(receipt), "--state", state)
    Signature.objects.get(pk=signature.pk).withdraw()
    clock.tick()
    out = run("verify-receipt", URL, str(receipt), "--state", state)
    assert "your signature was withdrawn at leaf 2" in out


def test_no_personal_data_in_leaves_tiles_or_checkpoints(clock: Clock) -> None:
    statement = make_statement()
    canaries = []
    for i in range(5):
        name, email = f"Zyxcanary Qwvperson{i}", f"zyxcanary{i}@canary-domain.example"
        signature, _message = Signature.sign(
            statement, language="en", name=name, email=email, country="BY",
            city="Canarytown", affiliation="Canary Union", visibility=4,
        )  # fmt: skip
        assert signature is not None
        signature.confirm()
        stored = Signature.objects.get(pk=signature.pk)
        canaries += [name, email, "canary-domain", "Canarytown", "Canary Union"]
        assert stored.email_digest
        canaries += [stored.email_digest, *([stored.domain_digest] if stored.domain_digest else [])]
    clock.tick()
    size = LogLeaf.objects.filter(statement=statement).count()
    published = [Client().get(f"/log/stop-the-war/{p}").content for p in (
        "checkpoint", "vkey", f"tile/0/000.p/{size}", f"tile/entries/000.p/{size}",
    )]  # fmt: skip
    stored_rows = [bytes(e) for e in LogLeaf.objects.values_list("entry", flat=True)]
    stored_rows += [n.encode() for n in LogCheckpoint.objects.values_list("note", flat=True)]
    haystack = b"\n".join(published + stored_rows)
    for canary in canaries:
        assert canary.lower().encode() not in haystack.lower(), canary
    entries = [bytes(e).decode() for e in LogLeaf.objects.values_list("entry", flat=True)]
    assert not any(re.search(r"\bBY\b|country|T\d\d:\d\d", entry) for entry in entries)
    assert countlog.recount(stored_rows[:size], statement.slug).count == 5


def _served(entries: list[bytes], signed_checkpoint: bytes, prefix: str) -> client.Log:
    """What a server serves when it alters its log: the entries and tiles it chose, with a
    checkpoint it signed (or an old one it replays)."""
    tree = merkle.LeafList([merkle.leaf_hash(e) for e in entries])
    store = {t.path: tiles.render(t, tree, entries) for t in tiles.tiles_for_size(len(entries))}
    store["checkpoint"] = signed_checkpoint

    def fetch(url: str) -> bytes:
        try:
            return store[url.removeprefix(prefix)]
        except KeyError:
            raise client.VerifyError(f"404 {url}") from None

    return client.Log(prefix, fetch)


def _one_leaf_changed(entries: list[bytes], how: str, rng: random.Random) -> list[bytes]:
    i, out = rng.randrange(len(entries) - 1), list(entries)
    if how == "edit":
        out[i] = re.sub(rb"hour \S+", b"hour 2000-01-01T00", out[i])
    elif how == "delete":
        del out[i]
    elif how == "reorder":
        out[i], out[i + 1] = out[i + 1], out[i]
    else:
        out.insert(i, out[rng.randrange(len(out))])
    return out


@pytest.mark.slow
def test_1000_signatures_50_withdrawals_and_a_bulk_invalidation_hold_100_times_out_of_100(
    clock: Clock, tmp_path: Path
) -> None:
    statement = signatures_withdrawals_and_an_invalidation(clock, 1000, 50)
    shown = statement.counts()["counted"]
    state, wstate = str(tmp_path / "seen.json"), str(tmp_path / "witness.json")
    assert f"count {shown} = 1000 counted - 50 withdrawn" in run("verify", URL, "--state", state)
    key = tmp_path / "w.key"
    run("witness", URL, "--key", str(key), "--generate", "ngo.example/w")
    witness = note.Signer.parse(key.read_text())
    Witness.objects.create(vkey=witness.verifier.vkey)
    assert "published" in run("witness", URL, "--key", str(key), "--state", wstate)
    prefix = f"{SITE}/log/stop-the-war/"
    honest = client.Log(prefix, client.http_fetch)
    log_key = tlog.signer(statement).verifier
    size = honest.checkpoint(log_key, []).checkpoint.size
    entries, signed = honest.entries(size), honest.get("checkpoint")
    rng = random.Random(17)
    for how in ("edit", "delete", "reorder", "insert"):
        for _trial in range(100):
            served = _served(_one_leaf_changed(entries, how, rng), signed, prefix)
            with pytest.raises(client.VerifyError):
                client.verify_log(served, log_key, statement.slug, client.State(tmp_path / "x"))
    seen = client.State.load(Path(wstate))
    for trial in range(100):
        forked = _one_leaf_changed(entries, "edit", rng) + [entries[-1]] * (trial % 3)
        text = Checkpoint(tlog.origin(statement), len(forked), merkle.LeafList(
            [merkle.leaf_hash(e) for e in forked]
        ).root()).text  # fmt: skip
        resigned = note.sign_note(text, [tlog.signer(statement)]).encode()
        with pytest.raises(client.VerifyError, match="fork"):
            client.cosign(_served(forked, resigned, prefix), log_key, witness, seen)
