"""Our log, checked by an implementation we did not write: the Go checksum database's
golang.org/x/mod/sumdb/tlog and sumdb/note (Debian: golang-go, golang-golang-x-mod-dev),
through the small program in tlogcheck/. Built offline in GOPATH mode."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from undersigned.lib.tlog import merkle, note, tiles
from undersigned.lib.tlog.checkpoint import Checkpoint

GOPATH = Path("/usr/share/gocode")
X_MOD = GOPATH / "src/golang.org/x/mod/sumdb/tlog"
SOURCE = Path(__file__).parent / "tlogcheck"
ORIGIN = "undersigned.example/log/test"

GO_MISSING = shutil.which("go") is None or not X_MOD.is_dir()
SKIP_WITHOUT_GO = pytest.mark.skipif(
    GO_MISSING,
    reason="needs Go and golang.org/x/mod (apt-get install golang-go golang-golang-x-mod-dev)",
)
pytestmark = SKIP_WITHOUT_GO


def build_tlogcheck(work: Path) -> Path:
    """Build tlogcheck offline, in GOPATH mode against Debian's copy of golang.org/x/mod."""
    binary = work / "tlogcheck"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(work),
        "GOCACHE": str(work / "cache"),
        "GOPATH": str(GOPATH),
        "GO111MODULE": "off",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
    }
    subprocess.run(
        ["go", "build", "-o", str(binary), "."], cwd=SOURCE, env=env, check=True, timeout=240
    )
    return binary


@pytest.fixture(scope="module")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tlogcheck(tmp_path_factory.mktemp("go"))


def write_log(root: Path, entries: list[bytes], sizes: list[int]) -> merkle.LeafList:
    """Grow a log through each size in turn, writing the tiles as the log would."""
    tree = merkle.LeafList()
    previous = 0
    for size in sizes:
        for entry in entries[previous:size]:
            tree.append(merkle.leaf_hash(entry))
        for tile in tiles.new_tiles(previous, size):
            path = root / tile.path
            path.parent.mkdir(parents=True, exist_ok=True)
            if tile.level == tiles.ENTRIES:
                start = tile.index * tiles.TILE_WIDTH
                path.write_bytes(tiles.encode_bundle(entries[start : start + tile.width]))
            else:
                path.write_bytes(tiles.tile_data(tile, tree))
        previous = size
    return tree


def b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


def write_proofs(root: Path, tree: merkle.LeafList, sizes: list[int]) -> None:
    size = len(tree)
    inclusion = [
        {
            "index": i,
            "size": s,
            "root": base64.b64encode(tree.root(s)).decode(),
            "proof": b64(merkle.inclusion_proof(i, s, tree)),
        }
        for s in sorted({*sizes, size})
        for i in sorted({0, s // 3, s - 1})
    ]
    consistency = [
        {
            "old": old,
            "new": new,
            "old_root": base64.b64encode(tree.root(old)).decode(),
            "new_root": base64.b64encode(tree.root(new)).decode(),
            "proof": b64(merkle.consistency_proof(old, new, tree)),
        }
        for old in sizes
        for new in sizes
        if old < new
    ]
    text = json.dumps({"inclusion": inclusion, "consistency": consistency})
    (root / "proofs.json").write_text(text)


def run(binary: Path, root: Path, vkey: str, witness: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), "-dir", str(root), "-vkey", vkey, "-witness", witness],
        capture_output=True,
        text=True,
        timeout=60,
    )


def publish(tmp_path: Path, size: int) -> tuple[Path, note.Signer, note.Signer]:
    entries = [f"leaf {i}\n".encode() * (1 + i % 3) for i in range(size)]
    sizes = sorted(s for s in {1, 5, size // 3, size // 2 + 7, size - 1, size} if 0 < s <= size)
    tree = write_log(tmp_path, entries, sizes)
    write_proofs(tmp_path, tree, sizes)
    log = note.Signer.generate(ORIGIN)
    witness = note.Signer.generate("witness.example/w1", note.COSIGNATURE_V1)
    text = Checkpoint(ORIGIN, size, tree.root()).text
    signed = note.sign_note(text, [log])
    line = witness.signature_line(text.encode(), timestamp=1_764_000_000)
    (tmp_path / "checkpoint").write_text(note.add_signature_lines(signed, [line]))
    return tmp_path, log, witness


@pytest.mark.parametrize("size", [1, 256, 70_000 // 64 + 3, 65_536 + 513])
def test_go_sumdb_accepts_our_tiles_checkpoint_cosignature_and_proofs(
    tlogcheck: Path, tmp_path: Path, size: int
) -> None:
    root, log, witness = publish(tmp_path, size)
    result = run(tlogcheck, root, log.verifier.vkey, witness.verifier.vkey)
    assert result.returncode == 0, result.stderr
    assert "OK note.Open" in result.stdout and "OK crypto/ed25519: cosignature" in result.stdout
    assert f"equals the checkpoint root at size {size}" in result.stdout
    assert f"of all {size} entries" in result.stdout
    assert "consistency proofs pass CheckTree and equal ProveTree" in result.stdout


def test_go_refuses_a_log_with_one_entry_changed(tlogcheck: Path, tmp_path: Path) -> None:
    root, log, witness = publish(tmp_path, 300)
    bundle = root / "tile/entries/000"
    data = bytearray(bundle.read_bytes())
    data[4] ^= 1  # inside the first entry, not a length prefix
    bundle.write_bytes(bytes(data))
    result = run(tlogcheck, root, log.verifier.vkey, witness.verifier.vkey)
    assert result.returncode == 1 and "does not hash to its level-0" in result.stderr


def test_go_refuses_a_checkpoint_signed_by_another_key(tlogcheck: Path, tmp_path: Path) -> None:
    root, _, _ = publish(tmp_path, 10)
    stranger = note.Signer.generate(ORIGIN)
    result = run(tlogcheck, root, stranger.verifier.vkey)
    assert result.returncode == 1 and "checkpoint signature" in result.stderr


def test_go_refuses_a_forged_cosignature(tlogcheck: Path, tmp_path: Path) -> None:
    root, log, witness = publish(tmp_path, 10)
    checkpoint = root / "checkpoint"
    text = checkpoint.read_text()
    forged = note.Signer("witness.example/w1", note.Signer.generate("x").seed, 0x04)
    real_line = [line for line in text.split("\n") if "witness.example" in line][0]
    fake_payload = forged.sign(Checkpoint.parse(text.split("\n\n")[0] + "\n").text.encode())
    raw = base64.b64decode(real_line.split(" ")[2])[:4] + fake_payload
    fake_line = f"— witness.example/w1 {base64.b64encode(raw).decode()}"
    checkpoint.write_text(text.replace(real_line, fake_line))
    result = run(tlogcheck, root, log.verifier.vkey, witness.verifier.vkey)
    assert result.returncode == 1 and "does not verify" in result.stderr
