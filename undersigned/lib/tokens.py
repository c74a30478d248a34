"""Emailed-link tokens: random, stored only as a hash, so a database dump cannot use them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# 24 random bytes = 192 bits, comfortably above the 128 we promise.
TOKEN_BYTES = 24
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_token() -> tuple[str, str]:
    """Return (token for the link, hash to store)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def derived_token(key: bytes, seed: str) -> tuple[str, str]:
    """(token, hash) computed from a server-held KEY and a row's SEED, in new_token's form.

    The same row gives the same token again, so an email can be re-sent with the link the
    signer already has, without replacing (and so revoking) it. Without the key, the token
    is as unguessable as a random one.
    """
    raw = hmac.new(key, seed.encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
    token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(b"undersigned-token:" + token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return bool(TOKEN_RE.match(token))
