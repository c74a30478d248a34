from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from undersigned.lib.proofofwork import check, new_challenge, solve

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
KEY = "server secret"


def solved(statement_id: int = 7, now: dt.datetime = NOW, key: str = KEY) -> str:
    return solve(new_challenge(key, statement_id=statement_id, now=now, max_number=500, minutes=20))


def test_a_solved_challenge_passes() -> None:
    proof = check(solved(), KEY, statement_id=7, now=NOW)
    assert proof.ok and proof.token


def test_the_challenge_is_bound_to_its_statement() -> None:
    assert check(solved(statement_id=8), KEY, statement_id=7, now=NOW).reason == "other-statement"


def test_it_expires_after_twenty_minutes() -> None:
    payload = solved()
    assert check(payload, KEY, statement_id=7, now=NOW + dt.timedelta(minutes=19)).ok
    late = check(payload, KEY, statement_id=7, now=NOW + dt.timedelta(minutes=21))
    assert late.reason == "expired"


def test_a_challenge_from_another_key_is_invalid() -> None:
    assert check(solved(key="other"), KEY, statement_id=7, now=NOW).reason == "invalid"


def test_a_wrong_number_is_invalid() -> None:
    data = json.loads(base64.b64decode(solved()))
    data["number"] += 1
    forged = base64.b64encode(json.dumps(data).encode()).decode()
    assert check(forged, KEY, statement_id=7, now=NOW).reason == "invalid"


def test_a_rebound_salt_breaks_the_signature() -> None:
    data = json.loads(base64.b64decode(solved(statement_id=8)))
    data["salt"] = data["salt"].replace("s=8", "s=7")
    forged = base64.b64encode(json.dumps(data).encode()).decode()
    assert check(forged, KEY, statement_id=7, now=NOW).reason == "invalid"


@pytest.mark.parametrize(
    "payload", ["", "not base64!", base64.b64encode(b"[1]").decode(), "A" * 5000]
)
def test_garbage_is_refused_without_raising(payload: str) -> None:
    assert not check(payload, KEY, statement_id=7, now=NOW).ok


def test_an_onion_challenge_says_so_and_an_ordinary_one_does_not() -> None:
    onion = new_challenge(KEY, statement_id=7, now=NOW, max_number=500, minutes=20, onion=True)
    assert check(solve(onion), KEY, statement_id=7, now=NOW).onion
    assert not check(solved(), KEY, statement_id=7, now=NOW).onion


def test_an_ordinary_challenge_cannot_be_passed_off_as_an_onion_one() -> None:
    data = json.loads(base64.b64decode(solved()))
    data["salt"] += "&o=1"
    forged = base64.b64encode(json.dumps(data).encode()).decode()
    proof = check(forged, KEY, statement_id=7, now=NOW)
    assert not proof.ok and not proof.onion
