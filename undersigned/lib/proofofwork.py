"""Proof-of-work on the ALTCHA protocol (SHA-256 challenges), bound to one statement.

The server hands out a challenge: SHA-256(salt + n) for a secret n below max_number, the
salt carrying the statement and an expiry, and an HMAC of the challenge so it cannot be
forged. The browser finds n (undersigned/public/static/undersigned/pow-worker.js) and sends
back the payload; we check the HMAC, the binding, the expiry, and, through the caller's
replay store, that it is used once. No third party sees anything.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import cast
from urllib.parse import parse_qs

import altcha
import altcha.v1

MAX_PAYLOAD = 2000


def hmac_key(secret: str) -> str:
    """A key for challenges only, derived so it differs from every other use of SECRET."""
    return hmac.new(secret.encode(), b"undersigned altcha", hashlib.sha256).hexdigest()


def new_challenge(
    secret: str,
    *,
    statement_id: int,
    now: dt.datetime,
    max_number: int,
    minutes: int,
    onion: bool = False,
) -> dict[str, object]:
    """A challenge for STATEMENT_ID; ONION marks the harder kind handed out through the
    onion service, so that the onion path can refuse a cheaper one solved elsewhere."""
    params = {"s": str(statement_id)} | ({"o": "1"} if onion else {})
    challenge = altcha.create_challenge_v1(
        algorithm="SHA-256",
        max_number=max_number,
        salt_length=12,
        hmac_key=hmac_key(secret),
        salt="",
        number=None,
        expires=now + dt.timedelta(minutes=minutes),
        params=params,
    )
    return challenge.to_dict()


@dataclass(frozen=True)
class Proof:
    ok: bool
    reason: str = ""
    # Identifies the solved challenge for the replay store; empty when not ok.
    token: str = ""
    expires: float = 0
    # Issued through the onion service, at its harder difficulty.
    onion: bool = False


def check(payload: str, secret: str, *, statement_id: int, now: dt.datetime) -> Proof:
    """Check a base64 ALTCHA payload; replay is the caller's to check with Proof.token."""
    if not payload or len(payload) > MAX_PAYLOAD:
        return Proof(False, "missing" if not payload else "malformed")
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return Proof(False, "malformed")
    if not isinstance(data, dict) or not isinstance(data.get("salt"), str):
        return Proof(False, "malformed")
    if not isinstance(data.get("number"), int) or isinstance(data.get("number"), bool):
        return Proof(False, "malformed")
    valid, _error = altcha.verify_solution_v1(
        cast("altcha.v1.PayloadType", data), hmac_key(secret), check_expires=False
    )
    if not valid:
        return Proof(False, "invalid")
    params = parse_qs(data["salt"].partition("?")[2])
    # parse_qs keeps every repeat; a spliced salt with two values is not ours.
    statements, expiries = params.get("s", []), params.get("expires", [])
    if len(statements) != 1 or len(expiries) != 1:
        return Proof(False, "invalid")
    if statements[0] != str(statement_id):
        return Proof(False, "other-statement")
    try:
        expires = float(expiries[0])
    except ValueError:
        return Proof(False, "invalid")
    if expires < now.timestamp():
        return Proof(False, "expired")
    onion = params.get("o", []) == ["1"]
    return Proof(True, token=str(data["signature"]), expires=expires, onion=onion)


def solve(challenge: dict[str, object]) -> str:
    """Solve a challenge as the browser would (for tests and the benchmark)."""
    solution = altcha.solve_challenge_v1(
        str(challenge["challenge"]),
        str(challenge["salt"]),
        "SHA-256",
        int(challenge["maxNumber"]),  # type: ignore[call-overload]
    )
    if solution is None:
        raise ValueError("challenge has no solution")
    payload = {
        "algorithm": "SHA-256",
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()
