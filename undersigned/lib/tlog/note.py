"""C2SP signed-note with Ed25519 (type 0x01) and tlog-cosignature v1 (Ed25519, type 0x04).

Keys are written in the Go checksum database's text forms, so that ``golang.org/x/mod/sumdb/note``
reads ours: a verifier key ``<name>+<hex key ID>+<base64(type || public key)>`` and a signer
key ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
_TYPES = (ED25519, COSIGNATURE_V1)
_DASH = "\u2014 "
MAX_SIGNATURES = 100
_MAX_TIMESTAMP = 2**63 - 1


class NoteError(ValueError):
    """A note, a key or a signature is malformed, or does not verify."""


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"bad key name {name!r}")


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise NoteError("bad base64") from error


@dataclass(frozen=True)
class Verifier:
    """A public key: Ed25519 note signatures (0x01) or timestamped cosignatures (0x04)."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.sig_type not in _TYPES or len(self.public_key) != 32:
            raise NoteError(f"unsupported key type {self.sig_type:#04x} for {self.name}")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def vkey(self) -> str:
        material = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3 or not _is_hex8(parts[1]):
            raise NoteError(f"bad verifier key {vkey!r}")
        material = _b64decode(parts[2])
        if not material:
            raise NoteError(f"bad verifier key {vkey!r}")
        verifier = cls(parts[0], material[0], material[1:])
        if verifier.key_id != int(parts[1], 16):
            raise NoteError(f"verifier key {vkey!r} has the wrong key ID")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> int | None:
        """The signature's time (0 for a plain signature) if it verifies, else None."""
        timestamp = 0
        message = text
        if self.sig_type == COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                return None
            (timestamp,) = struct.unpack(">Q", signature[:8])
            if timestamp > _MAX_TIMESTAMP:
                return None
            message, signature = cosigned_message(text, timestamp), signature[8:]
        try:
            VerifyKey(self.public_key).verify(message, signature)
        except (BadSignatureError, ValueError):
            return None
        return timestamp


def _is_hex8(text: str) -> bool:
    return len(text) == 8 and all(c in "0123456789abcdef" for c in text)


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes = field(repr=False)
    sig_type: int = ED25519

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.sig_type not in _TYPES or len(self.seed) != 32:
            raise NoteError("an Ed25519 signer needs a 32-byte seed")

    @classmethod
    def generate(cls, name: str, sig_type: int = ED25519) -> Signer:
        return cls(name, bytes(SigningKey.generate()), sig_type)

    @property
    def verifier(self) -> Verifier:
        public = bytes(SigningKey(self.seed).verify_key)
        return Verifier(self.name, self.sig_type, public)

    @property
    def skey(self) -> str:
        material = base64.b64encode(bytes([self.sig_type]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id:08x}+{material}"

    @classmethod
    def parse(cls, skey: str) -> Signer:
        head, _, rest = skey.strip().partition("PRIVATE+KEY+")
        parts = rest.split("+", 2)
        if head or len(parts) != 3 or not _is_hex8(parts[1]):
            raise NoteError("bad signer key")
        material = _b64decode(parts[2])
        if not material:
            raise NoteError("bad signer key")
        signer = cls(parts[0], material[1:], material[0])
        if signer.verifier.key_id != int(parts[1], 16):
            raise NoteError("signer key has the wrong key ID")
        return signer

    def sign(self, text: bytes, timestamp: int | None = None) -> bytes:
        """The signature line's payload (after the key ID)."""
        key = SigningKey(self.seed)
        if self.sig_type == ED25519:
            return key.sign(text).signature
        when = int(time.time()) if timestamp is None else timestamp
        return struct.pack(">Q", when) + key.sign(cosigned_message(text, when)).signature

    def signature_line(self, text: bytes, timestamp: int | None = None) -> str:
        payload = struct.pack(">I", self.verifier.key_id) + self.sign(text, timestamp)
        return f"{_DASH}{self.name} {base64.b64encode(payload).decode()}\n"


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    payload: bytes

    @property
    def line(self) -> str:
        raw = struct.pack(">I", self.key_id) + self.payload
        return f"{_DASH}{self.name} {base64.b64encode(raw).decode()}\n"


def _check_text(text: str) -> None:
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note holds no control characters but newlines")


def sign_note(text: str, signers: list[Signer], timestamp: int | None = None) -> str:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    _check_text(text)
    raw = text.encode()
    return text + "\n" + "".join(s.signature_line(raw, timestamp) for s in signers)


def split_note(note: str) -> tuple[str, list[Signature]]:
    """The text and every signature line, verified or not."""
    _check_text(note)
    text, sep, block = note.rpartition("\n\n")
    if not sep or not block.endswith("\n"):
        raise NoteError("a note is text, a blank line and signature lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return text + "\n", [_parse_signature_line(line) for line in lines]


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(_DASH):
        raise NoteError(f"bad signature line {line!r}")
    name, _, encoded = line[len(_DASH) :].partition(" ")
    _check_name(name)
    raw = _b64decode(encoded)
    if len(raw) < 5:
        raise NoteError(f"bad signature line {line!r}")
    return Signature(name, struct.unpack(">I", raw[:4])[0], raw[4:])


@dataclass(frozen=True)
class OpenedNote:
    text: str
    verified: dict[Verifier, int]  # each known key that signed -> its timestamp (0 if none)
    signatures: list[Signature]


def open_note(note: str, verifiers: Sequence[Verifier]) -> OpenedNote:
    """Verify a note as the spec asks: unknown keys are ignored, a known key that fails to
    verify rejects the note, and at least one known key must have signed it."""
    text, signatures = split_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: dict[Verifier, int] = {}
    raw = text.encode()
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        timestamp = verifier.verify(raw, signature.payload)
        if timestamp is None:
            raise NoteError(f"the signature by {signature.name} does not verify")
        verified[verifier] = timestamp
    if not verified:
        raise NoteError("no known key signed this note")
    return OpenedNote(text, verified, signatures)


def add_signature_lines(note: str, lines: list[str]) -> str:
    """The note with extra signature lines (cosignatures), each line once."""
    present = set(note.split("\n"))
    extra = [line for line in lines if line.rstrip("\n") not in present]
    return note + "".join(line if line.endswith("\n") else line + "\n" for line in extra)
