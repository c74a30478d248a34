from __future__ import annotations

import pytest

from undersigned.lib.timelock import check, issue

KEY = "server secret"
NOW = 1_800_000_000.0


def checked(token: str, *, at: float, statement_id: int = 7, key: str = KEY) -> str:
    lock = check(token, key, statement_id=statement_id, now=at, wait=20, max_age=3600)
    return "ok" if lock.ok else lock.reason


def test_it_opens_after_the_wait_and_closes_when_stale() -> None:
    token = issue(KEY, statement_id=7, now=NOW)
    assert checked(token, at=NOW) == "early"
    assert checked(token, at=NOW + 19) == "early"
    assert checked(token, at=NOW + 20) == "ok"
    assert checked(token, at=NOW + 3600) == "ok"
    assert checked(token, at=NOW + 3601) == "expired"


def test_each_token_has_its_own_nonce_for_the_replay_store() -> None:
    first, second = (issue(KEY, statement_id=7, now=NOW) for _ in range(2))
    one = check(first, KEY, statement_id=7, now=NOW + 30, wait=20, max_age=3600)
    two = check(second, KEY, statement_id=7, now=NOW + 30, wait=20, max_age=3600)
    assert one.nonce and two.nonce and one.nonce != two.nonce
    assert one.expires == NOW + 3600


def test_it_is_bound_to_its_statement_and_key() -> None:
    token = issue(KEY, statement_id=7, now=NOW)
    assert checked(token, at=NOW + 30, statement_id=8) == "other-statement"
    assert checked(token, at=NOW + 30, key="another key") == "invalid"


def test_an_earlier_time_cannot_be_written_in() -> None:
    statement, issued, nonce, mac = issue(KEY, statement_id=7, now=NOW).split(".")
    backdated = f"{statement}.{int(issued) - 60}.{nonce}.{mac}"
    assert checked(backdated, at=NOW + 1) == "invalid"


@pytest.mark.parametrize("token", ["", "a.b", "7.x.n.m", "7.1.n.m.extra", "A" * 500, "7.1.n.é"])
def test_garbage_is_refused_without_raising(token: str) -> None:
    assert checked(token, at=NOW) != "ok"
