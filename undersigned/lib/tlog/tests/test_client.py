from __future__ import annotations

import gzip
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from undersigned.lib.tlog import client, countlog, merkle, note, tiles
from undersigned.lib.tlog.checkpoint import Checkpoint
from undersigned.lib.tlog.client import Log, Receipt, State, VerifyError

ORIGIN = "petition.example/log/war-stop"
PREFIX = "https://petition.example/log/war-stop/"


class Published:
    """A log as a static site would serve it: tiles written as it grows, a signed checkpoint."""

    def __init__(self, signer: note.Signer) -> None:
        self.signer = signer
        self.entries: list[bytes] = []
        self.store: dict[str, bytes] = {}
        self.size = 0

    def add(self, kind: str, secret: bytes, number: int = 0) -> None:
        seq = len(self.entries)
        commitment = countlog.commitment(secret)
        e = countlog.Event("war-stop", seq, kind, "cd" * 32, "2026-12-02T09", commitment, number)
        self.entries.append(e.encode())

    def publish(self) -> None:
        tree = merkle.LeafList([merkle.leaf_hash(e) for e in self.entries])
        for tile in tiles.new_tiles(self.size, len(self.entries)):
            self.store[tile.path] = tiles.render(tile, tree, self.entries)
        self.size = len(self.entries)
        text = Checkpoint(ORIGIN, self.size, tree.root()).text
        self.store["checkpoint"] = note.sign_note(text, [self.signer]).encode()

    def rewrite(self, entries: list[bytes]) -> None:
        """A dishonest operator: replace the past and re-sign."""
        self.entries, self.store, self.size = entries, {}, 0
        self.publish()

    def fetch(self, url: str) -> bytes:
        assert url.startswith(PREFIX)
        try:
            return self.store[url[len(PREFIX) :]]
        except KeyError:
            raise VerifyError(f"404 {url}") from None

    @property
    def log(self) -> Log:
        return Log(PREFIX, self.fetch)


def signatures_withdrawals_and_an_invalidation(n: int, withdrawn: int) -> Published:
    published = Published(note.Signer.generate(ORIGIN))
    for i in range(n):
        published.add("counted", b"s%d" % i)
    for i in range(withdrawn):
        published.add("withdrawn", b"s%d" % (i * 3))
    for i in range(1, n, 7):  # one bulk invalidation
        if (i % 3) or i // 3 >= withdrawn:
            published.add("invalidated", b"s%d" % i)
    published.publish()
    return published


def expected_count(published: Published) -> int:
    return countlog.recount(published.entries, "war-stop").count


def test_verify_accepts_an_honest_log_and_recounts_it(tmp_path: Path) -> None:
    published = signatures_withdrawals_and_an_invalidation(60, 5)
    state = State(tmp_path / "seen.json")
    verified = client.verify_log(published.log, published.signer.verifier, "war-stop", state)
    assert verified.tally.count == expected_count(published)
    assert verified.tally.counted == 60 and verified.tally.withdrawn == 5
    assert verified.tally.count < 55  # the invalidation removed some


def _tampered(entries: list[bytes], how: str, rng: random.Random) -> list[bytes]:
    i = rng.randrange(1, len(entries) - 1)
    out = list(entries)
    if how == "edit":
        out[i] = out[i].replace(b"hour 2026-12-02T09", b"hour 2026-12-02T10")
    elif how == "delete":
        del out[i]
    elif how == "reorder":
        out[i], out[i + 1] = out[i + 1], out[i]
    else:
        out.insert(i, out[i])
    return out


@pytest.mark.parametrize("how", ["edit", "delete", "reorder", "insert"])
def test_tampering_with_any_one_leaf_is_detected_every_time(tmp_path: Path, how: str) -> None:
    rng = random.Random(how)
    honest = signatures_withdrawals_and_an_invalidation(40, 4)
    for trial in range(20):
        served = Published(honest.signer)
        served.entries = _tampered(honest.entries, how, rng)
        served.publish()
        served.store["checkpoint"] = honest.store["checkpoint"]  # the signed one, unchanged
        with pytest.raises(VerifyError):
            client.verify_log(
                served.log, honest.signer.verifier, "war-stop", State(tmp_path / f"{trial}")
            )


def test_a_re_signed_rewrite_is_caught_by_what_the_verifier_saw_before(tmp_path: Path) -> None:
    published = signatures_withdrawals_and_an_invalidation(30, 3)
    state = State(tmp_path / "seen.json")
    client.verify_log(published.log, published.signer.verifier, "war-stop", state)
    state.save()
    history = list(published.entries)
    history[4] = history[5].replace(b"seq 5", b"seq 4")
    published.rewrite(history)
    with pytest.raises(VerifyError, match="rewrote its past|do not add up"):
        client.verify_log(
            published.log, published.signer.verifier, "war-stop", State.load(state.path)
        )


def test_a_witness_cosigns_growth_and_refuses_a_fork_or_a_rollback(tmp_path: Path) -> None:
    published = signatures_withdrawals_and_an_invalidation(20, 2)
    witness = note.Signer.generate("witness.example/ngo", note.COSIGNATURE_V1)
    state = State(tmp_path / "witness.json")
    line = client.cosign(published.log, published.signer.verifier, witness, state, now=1000)
    checkpoint = published.store["checkpoint"].decode()
    opened = note.open_note(note.add_signature_lines(checkpoint, [line]), [witness.verifier])
    assert opened.verified[witness.verifier] == 1000
    for i in range(5):
        published.add("counted", b"late%d" % i)
    published.publish()
    client.cosign(published.log, published.signer.verifier, witness, state, now=1001)
    forked = list(published.entries)
    forked[3] = forked[3].replace(b"cdcd", b"cdce", 1)
    published.rewrite(forked)
    with pytest.raises(VerifyError, match="fork"):
        client.cosign(published.log, published.signer.verifier, witness, state)
    published.rewrite(published.entries[:10])
    with pytest.raises(VerifyError, match="rollback"):
        client.cosign(published.log, published.signer.verifier, witness, state)


def test_verify_checks_cosignatures_of_the_witnesses_it_knows(tmp_path: Path) -> None:
    published = signatures_withdrawals_and_an_invalidation(10, 1)
    witness = note.Signer.generate("witness.example/ngo", note.COSIGNATURE_V1)
    line = client.cosign(published.log, published.signer.verifier, witness, State(tmp_path / "w"))
    published.store["checkpoint"] = note.add_signature_lines(
        published.store["checkpoint"].decode(), [line]
    ).encode()
    verified = client.verify_log(
        published.log,
        published.signer.verifier,
        "war-stop",
        State(tmp_path / "v"),
        [witness.verifier],
    )
    assert list(verified.witnesses) == ["witness.example/ngo"]


def test_a_receipt_proves_counted_then_withdrawn() -> None:
    published = signatures_withdrawals_and_an_invalidation(12, 0)
    receipt = Receipt(ORIGIN, 5, b"s5")
    status = client.check_receipt(published.log, published.signer.verifier, receipt)
    assert status.event.event == "counted" and status.event.seq == 5 and status.removed_by is None
    published.add("withdrawn", b"s5")
    published.publish()
    status = client.check_receipt(published.log, published.signer.verifier, receipt)
    assert status.removed_by is not None and status.removed_by.event == "withdrawn"
    assert Receipt.parse(receipt.encode()) == receipt
    assert Receipt.parse(" " + receipt.encode().replace("\n", " \r\n")) == receipt


def test_a_receipt_with_another_secret_is_refused() -> None:
    published = signatures_withdrawals_and_an_invalidation(12, 0)
    with pytest.raises(VerifyError, match="commitment"):
        client.check_receipt(published.log, published.signer.verifier, Receipt(ORIGIN, 5, b"s6"))


def test_the_state_keeps_only_the_largest_checkpoint_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    state = State(tmp_path / "seen.json")
    for size in (5, 10, 3):
        state.remember(Checkpoint(ORIGIN, size, bytes([size]) * 32))
    assert state.seen(ORIGIN) == [(10, bytes([10]) * 32)]
    state.save()
    assert State.load(state.path).seen(ORIGIN) == [(10, bytes([10]) * 32)]


def test_http_fetch_reads_a_gzipped_bundle_and_refuses_other_schemes() -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = gzip.compress(b"\x00\x01a")
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/log/x/tile/entries/000.p/1"
        assert client.http_fetch(url) == b"\x00\x01a"
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(VerifyError, match="not an http"):
        client.http_fetch("file:///etc/passwd")
