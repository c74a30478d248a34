"""What a verifier, a witness and a signer with a receipt run against a published log.

Everything is fetched over plain HTTP GETs of the C2SP tlog-tiles resources and checked
here; nothing the server says is believed unless a signature or a hash proves it.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import countlog, merkle, note, tiles
from .checkpoint import Checkpoint, CheckpointError, SignedCheckpoint, open_checkpoint

Fetch = Callable[[str], bytes]
MAX_RESPONSE = 16 * 1024 * 1024


class VerifyError(Exception):
    """The log, a checkpoint or a receipt failed a check; the message says which, plainly."""


def http_fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise VerifyError(f"not an http(s) address: {url}")
    headers = {"Accept-Encoding": "gzip, identity"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        data: bytes = response.read(MAX_RESPONSE + 1)
        gzipped = response.headers.get("Content-Encoding", "") == "gzip"
    if gzipped:  # tlog-tiles lets a log gzip entry bundles without negotiation
        data = gzip.GzipFile(fileobj=io.BytesIO(data)).read(MAX_RESPONSE + 1)
    if len(data) > MAX_RESPONSE:
        raise VerifyError(f"{url} is larger than {MAX_RESPONSE} bytes")
    return data


def http_post(url: str, fields: dict[str, str]) -> tuple[int, str]:
    """POST a form; (status, body) whatever the status."""
    if not url.startswith(("https://", "http://")):
        raise VerifyError(f"not an http(s) address: {url}")
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status), response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return int(error.code), error.read(65536).decode("utf-8", "replace")


def log_prefix(url: str) -> str:
    """The log's URL prefix, from itself or from the statement page's address."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    if "/log/" not in path + "/":
        slug = path.rsplit("/", 1)[-1]
        path = f"/log/{slug}"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


@dataclass
class Log:
    """A published log: its URL prefix (ending in /) and a way to fetch from it."""

    prefix: str
    fetch: Fetch = http_fetch

    def get(self, path: str) -> bytes:
        try:
            return self.fetch(self.prefix.rstrip("/") + "/" + path)
        except VerifyError:
            raise
        except Exception as error:
            raise VerifyError(f"could not fetch {path}: {error}") from error

    def checkpoint(
        self, log_key: note.Verifier, cosigners: Sequence[note.Verifier]
    ) -> SignedCheckpoint:
        try:
            signed = self.get("checkpoint").decode("utf-8")
            return open_checkpoint(signed, log_key, cosigners=cosigners)
        except (CheckpointError, UnicodeDecodeError) as error:
            raise VerifyError(f"the checkpoint does not verify: {error}") from error

    def tile_hashes(self, size: int) -> tiles.TileHashes:
        return tiles.TileHashes(size, lambda tile: self.get(tile.path))

    def entries(self, size: int) -> list[bytes]:
        out: list[bytes] = []
        while len(out) < size:
            width = min(tiles.TILE_WIDTH, size - len(out))
            bundle = tiles.Tile(tiles.ENTRIES, len(out) // tiles.TILE_WIDTH, width)
            try:
                got = tiles.decode_bundle(self.get(bundle.path))
            except ValueError as error:
                raise VerifyError(f"{bundle.path} is malformed: {error}") from error
            if len(got) != width:
                raise VerifyError(f"{bundle.path} holds {len(got)} entries, not {width}")
            out.extend(got)
        return out


@dataclass
class State:
    """What a verifier or witness saw before, kept in a local JSON file between runs."""

    path: Path
    data: dict[str, dict[str, object]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> State:
        if not path.exists():
            return cls(path)
        return cls(path, json.loads(path.read_text()))

    def seen(self, origin: str) -> list[tuple[int, bytes]]:
        entry = self.data.get(origin, {})
        raw = entry.get("checkpoints", [])
        assert isinstance(raw, list)
        return [(int(size), base64.b64decode(root)) for size, root in raw]

    def remember(self, checkpoint: Checkpoint) -> None:
        """Keep the largest checkpoint seen: each one was proved to extend the one before,
        and extending is transitive, so the largest stands for them all (and the file does
        not grow by a line a minute)."""
        seen = self.seen(checkpoint.origin)
        if seen and max(seen)[0] > checkpoint.size:
            return
        pair = [checkpoint.size, base64.b64encode(checkpoint.root).decode()]
        self.data[checkpoint.origin] = {"checkpoints": [pair]}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)


def log_key(log: Log, state: State, given: str | None) -> tuple[note.Verifier, bool]:
    """The log's verifier key: the one given, else the one pinned on first use (fetched then
    from the log's /vkey). (key, newly pinned). A key that differs from the pinned one is
    refused: a log that changes keys is a new log."""
    keys = state.data.setdefault("keys", {})
    pinned = keys.get(log.prefix)
    try:
        key = note.Verifier.parse(given or str(pinned or "") or log.get("vkey").decode())
    except (note.NoteError, UnicodeDecodeError) as error:
        raise VerifyError(f"bad log key: {error}") from error
    if pinned and key.vkey != pinned:
        raise VerifyError(f"the log key changed: pinned {pinned}, now {key.vkey}")
    if key.sig_type != note.ED25519:
        raise VerifyError("a log key signs with Ed25519 (type 0x01)")
    keys[log.prefix] = key.vkey
    return key, not pinned


@dataclass(frozen=True)
class Verified:
    checkpoint: Checkpoint
    tally: countlog.Tally
    witnesses: dict[str, int]  # cosigner name -> time of its cosignature


def verify_log(
    log: Log,
    log_key: note.Verifier,
    statement: str,
    state: State,
    cosigners: Sequence[note.Verifier] = (),
) -> Verified:
    """Check the checkpoint, every entry against it, the tiles, the story the entries tell,
    and consistency with every checkpoint seen before; remember this one."""
    signed = log.checkpoint(log_key, cosigners)
    checkpoint = signed.checkpoint
    entries = log.entries(checkpoint.size)
    leaves = merkle.LeafList([merkle.leaf_hash(e) for e in entries])
    if leaves.root() != checkpoint.root:
        raise VerifyError("the entries do not hash to the checkpoint's root: the log was altered")
    if checkpoint.size and merkle.root_hash(checkpoint.size, log.tile_hashes(checkpoint.size)) != (
        checkpoint.root
    ):
        raise VerifyError("the tiles do not hash to the checkpoint's root")
    for size, root in state.seen(checkpoint.origin):
        if size > checkpoint.size:
            raise VerifyError(f"the log shrank: it had {size} leaves before, now {checkpoint.size}")
        if size and leaves.root(size) != root:
            raise VerifyError(f"the log rewrote its past: its first {size} leaves changed")
    try:
        tally = countlog.recount(entries, statement)
    except countlog.CountLogError as error:
        raise VerifyError(f"the entries do not add up: {error}") from error
    state.remember(checkpoint)
    witnesses = {v.name: t for v, t in signed.note.verified.items() if v != log_key}
    return Verified(checkpoint, tally, witnesses)


def check_consistent(log: Log, checkpoint: Checkpoint, previous: list[tuple[int, bytes]]) -> None:
    """Refuse a checkpoint that is not an append-only extension of every one seen before,
    proved with tiles only (a witness need not download the entries)."""
    hashes = log.tile_hashes(checkpoint.size)
    if checkpoint.size and merkle.root_hash(checkpoint.size, hashes) != checkpoint.root:
        raise VerifyError("the log's tiles do not hash to its checkpoint's root")
    for size, root in previous:
        if size > checkpoint.size:
            raise VerifyError(
                f"rollback: cosigned {size} leaves before, now offered {checkpoint.size}"
            )
        if size == 0:
            continue
        proof = merkle.consistency_proof(size, checkpoint.size, hashes)
        if not merkle.verify_consistency(size, checkpoint.size, root, checkpoint.root, proof):
            raise VerifyError(
                f"fork: the checkpoint of {checkpoint.size} leaves does not extend the one of"
                f" {size} leaves cosigned before"
            )


def cosign(
    log: Log, log_key: note.Verifier, witness: note.Signer, state: State, now: int | None = None
) -> str:
    """A witness's tlog-cosignature line for the log's latest checkpoint, after checking it
    extends every checkpoint this witness cosigned before; raises VerifyError otherwise."""
    signed = log.checkpoint(log_key, [])
    checkpoint = signed.checkpoint
    check_consistent(log, checkpoint, state.seen(checkpoint.origin))
    line = witness.signature_line(
        checkpoint.text.encode(), int(time.time()) if now is None else now
    )
    state.remember(checkpoint)
    return line


@dataclass(frozen=True)
class Receipt:
    origin: str
    index: int
    secret: bytes

    def encode(self) -> str:
        secret = base64.b64encode(self.secret).decode()
        return f"undersigned receipt v1\n{self.origin}\n{self.index}\n{secret}\n"

    @classmethod
    def parse(cls, text: str) -> Receipt:
        # Pasted into a form, the lines come back with CRLF endings (and often stray spaces).
        lines = [line.strip() for line in text.strip().splitlines()]
        if len(lines) != 4 or lines[0] != "undersigned receipt v1" or not lines[2].isdigit():
            raise VerifyError("this is not an undersigned receipt")
        return cls(lines[1], int(lines[2]), base64.b64decode(lines[3]))


@dataclass(frozen=True)
class ReceiptStatus:
    checkpoint: Checkpoint
    event: countlog.Event
    removed_by: countlog.Event | None


def check_receipt(log: Log, log_key: note.Verifier, receipt: Receipt) -> ReceiptStatus:
    """Prove the receipt's leaf is in the signed tree and is this signer's, and say whether a
    later leaf withdrew or invalidated it."""
    checkpoint = log.checkpoint(log_key, []).checkpoint
    if checkpoint.origin != receipt.origin:
        raise VerifyError(f"the receipt is for {receipt.origin}, the log is {checkpoint.origin}")
    if receipt.index >= checkpoint.size:
        raise VerifyError("the receipt's leaf is not in the latest checkpoint yet")
    entries = log.entries(checkpoint.size)
    leaf = merkle.leaf_hash(entries[receipt.index])
    proof = merkle.inclusion_proof(receipt.index, checkpoint.size, log.tile_hashes(checkpoint.size))
    if not merkle.verify_inclusion(receipt.index, checkpoint.size, leaf, proof, checkpoint.root):
        raise VerifyError("the receipt's leaf is not in the signed tree")
    event = countlog.Event.parse(entries[receipt.index])
    if event.commitment != countlog.commitment(receipt.secret):
        raise VerifyError("this leaf's commitment is not the receipt's secret")
    later = (countlog.Event.parse(e) for e in entries[receipt.index + 1 :])
    mine = [e for e in later if e.commitment == event.commitment]
    removed = mine[-1] if mine and mine[-1].event in countlog.REMOVES else None
    return ReceiptStatus(checkpoint, event, removed)
