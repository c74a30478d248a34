"""Sealing personal data to the organisers' offline key, and the server-held keys.

Personal fields are sealed with an X25519 sealed box to the organisers' public key: the
server can write them but never read them back. The private key lives on the organisers'
own machine; nothing here ever takes it except the offline export.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from typing import Any

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

from undersigned.lib import emails


class KeyError_(ValueError):
    """A key that is malformed or does not open the data."""


def generate_keypair() -> tuple[str, str]:
    """Return (public, private) as base64 text."""
    private = PrivateKey.generate()
    return (
        base64.b64encode(bytes(private.public_key)).decode(),
        base64.b64encode(bytes(private)).decode(),
    )


def _decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise KeyError_(f"The {what} is not valid base64.") from None
    if len(raw) != 32:
        raise KeyError_(f"The {what} must be 32 bytes, not {len(raw)}.")
    return raw


def load_public_key(text: str) -> PublicKey:
    return PublicKey(_decode_key(text, "public key"))


def load_private_key(text: str) -> PrivateKey:
    return PrivateKey(_decode_key(text, "private key"))


def seal(public_key: str | PublicKey, data: dict[str, Any]) -> bytes:
    box = _sealed_box(public_key) if isinstance(public_key, str) else SealedBox(public_key)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return box.encrypt(payload)


@functools.lru_cache(maxsize=16)
def _sealed_box(public_key: str) -> SealedBox[PublicKey]:
    """The box for a statement's public key, decoded once per process (a public key)."""
    return SealedBox(load_public_key(public_key))


# What the browser may seal itself (public/static/undersigned/seal.js), and how big its box
# may be: the key and tag (48 bytes) and the fields at their form limits, four bytes a
# character at most in UTF-8, with JSON's keys and quotes. A signer's name, city and
# affiliation (120 + 80 + 160 characters); an organisation's contact name (120).
BROWSER_FIELDS = ("name", "city", "affiliation", "contact_name")
BOX_OVERHEAD = 48
BROWSER_BOX_MAX = BOX_OVERHEAD + 2000
CONTACT_BOX_MAX = BOX_OVERHEAD + 4 * 120 + 40


def browser_box(text: str, most: int = BROWSER_BOX_MAX) -> bytes | None:
    """The sealed box a browser sent, base64-decoded, if it has a sealed box's size and
    shape (at most MOST bytes); None if not. What is inside only the organisers' key can
    tell."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    return raw if BOX_OVERHEAD + len("{}") <= len(raw) <= most else None


def unseal(private_key: PrivateKey, sealed: bytes) -> dict[str, Any]:
    """Open SEALED; a box the browser sealed inside it ("browser") is opened too, and its
    fields take the place of the empty ones the server received: only BROWSER_FIELDS, and
    only those the record has (a signature's name, an endorsement's contact name), and only
    where the server received nothing."""
    result: dict[str, Any] = json.loads(_open(private_key, bytes(sealed)))
    inner = result.pop("browser", None)
    if inner:
        opened = json.loads(_open(private_key, base64.b64decode(inner)))
        if isinstance(opened, dict):
            # Never one the server received filled in: a crafted POST could otherwise show
            # one name in public and deliver another to the target.
            fields = [k for k in BROWSER_FIELDS if k in opened and k in result and not result[k]]
            result.update((k, str(opened[k])) for k in fields)
    return result


def _open(private_key: PrivateKey, sealed: bytes) -> bytes:
    try:
        return SealedBox(private_key).decrypt(sealed)
    except CryptoError:
        raise KeyError_("This private key does not open the sealed data.") from None


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from a server-held secret."""
    return _derive(secret, purpose)


@functools.lru_cache(maxsize=16)
def _derive(secret: str, purpose: str) -> bytes:
    return hashlib.blake2b(secret.encode(), key=purpose.encode(), digest_size=32).digest()


def server_encrypt(secret: str, data: dict[str, Any]) -> bytes:
    """Encrypt with a key the server holds outside the database (the outbox)."""
    box = _secret_box(secret)
    return bytes(box.encrypt(json.dumps(data, separators=(",", ":")).encode()))


@functools.lru_cache(maxsize=4)
def _secret_box(secret: str) -> SecretBox:
    return SecretBox(_derive(secret, "outbox"))


def server_decrypt(secret: str, blob: bytes) -> dict[str, Any]:
    box = SecretBox(_derive(secret, "outbox"))
    result: dict[str, Any] = json.loads(box.decrypt(bytes(blob)))
    return result


def normalise_email(address: str) -> str:
    """One form per mailbox (see lib/emails.py): domain by UTS #46, NFKC, no case."""
    return emails.normalise(address)


def email_digest(secret: str, statement_id: int, address: str) -> str:
    """Keyed hash for duplicate detection, per statement, with a key not in the database."""
    message = f"{statement_id}:{normalise_email(address)}".encode()
    return hmac.new(_derive(secret, "dedup"), message, hashlib.sha256).hexdigest()


def domain_digest(secret: str, domain: str) -> str:
    """Keyed hash of an email domain, the same for every statement (abuse tools match it)."""
    canonical = emails.ascii_domain(domain) or domain.strip().lower()
    message = f"domain:{canonical}".encode()
    return hmac.new(_derive(secret, "dedup"), message, hashlib.sha256).hexdigest()[:32]
