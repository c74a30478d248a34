"""A time-locked form token: the no-JavaScript stand-in for proof-of-work on the onion service.

The server puts a token in the form it renders: the statement, the time it was issued and
a random nonce, with an HMAC. The form is admitted only if it comes back at least WAIT
seconds after that time (a person filling in a form takes longer; a script must wait too)
and before it grows stale; the caller's replay store makes each token good for one
submission, through `TimeLock.nonce`. Nothing in it identifies the signer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

MAX_TOKEN = 200


def _key(secret: str) -> bytes:
    """A key for these tokens only, derived so it differs from every other use of SECRET."""
    return hmac.new(secret.encode(), b"undersigned time lock", hashlib.sha256).digest()


def _mac(secret: str, body: str) -> str:
    digest = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(secret: str, *, statement_id: int, now: float) -> str:
    body = f"{statement_id}.{int(now)}.{secrets.token_urlsafe(12)}"
    return f"{body}.{_mac(secret, body)}"


@dataclass(frozen=True)
class TimeLock:
    ok: bool
    reason: str = ""
    # Identifies the token for the replay store; empty when not ok.
    nonce: str = ""
    # When the token goes stale (a replay store need not remember it longer).
    expires: float = 0


def check(
    token: str, secret: str, *, statement_id: int, now: float, wait: int, max_age: int
) -> TimeLock:
    """Whether TOKEN was issued for STATEMENT_ID between MAX_AGE and WAIT seconds ago."""
    if not token or len(token) > MAX_TOKEN:
        return TimeLock(False, "missing" if not token else "malformed")
    parts = token.split(".")
    if len(parts) != 4:
        return TimeLock(False, "malformed")
    statement, issued, nonce, mac = parts
    try:
        valid = hmac.compare_digest(mac, _mac(secret, f"{statement}.{issued}.{nonce}"))
        issued_at = int(issued)
    except (ValueError, TypeError, binascii.Error):
        return TimeLock(False, "malformed")
    if not valid:
        return TimeLock(False, "invalid")
    if statement != str(statement_id):
        return TimeLock(False, "other-statement")
    if now < issued_at + wait:
        return TimeLock(False, "early")
    if now > issued_at + max_age:
        return TimeLock(False, "expired")
    return TimeLock(True, nonce=nonce, expires=issued_at + max_age)
