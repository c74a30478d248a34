"""The log-in's per-account cap beside the per-network ones (issue 14, item 8): guessing
from many networks tells an attacker nothing, and cannot lock the owner out."""

from __future__ import annotations

import pytest
from django.test import Client

from undersigned.control import throttle
from undersigned.statements.roles import MODERATORS
from undersigned.test import PASSWORD, make_user, totp_code, totp_device

pytestmark = pytest.mark.django_db
URL = "/control/login/"
GUARDED = "Please enter a correct password and the current code from your authenticator app."
NEEDS_CODE = "Please enter the current code from your authenticator app."


def attempt(network: int, username: str, password: str, code: str = "") -> tuple[int, str]:
    client = Client(REMOTE_ADDR=f"203.0.{network}.10")
    data = {"username": username, "password": password, "otp_token": code}
    response = client.post(URL, data)
    return response.status_code, response.content.decode()


def guess_from_networks(username: str, count: int) -> None:
    for network in range(count):
        assert attempt(network, username, "guess guess guess")[0] == 400


def test_failures_from_many_networks_put_the_account_on_guard() -> None:
    make_user("max", MODERATORS)
    guess_from_networks("max@example.org", throttle.PER_ACCOUNT.count - 1)
    assert not throttle.guarded("max@example.org")
    guess_from_networks("max@example.org", 1)
    assert throttle.guarded("max@example.org")
    assert not throttle.guarded("someone-else@example.org")


def test_on_guard_a_right_password_without_the_code_reads_as_a_wrong_password() -> None:
    user = make_user("max", MODERATORS)
    totp_device(user)
    guess_from_networks(user.username, 40)
    status, html = attempt(100, user.username, PASSWORD)  # a network not yet locked
    assert status == 400
    assert GUARDED in html and NEEDS_CODE not in html
    wrong_status, wrong_html = attempt(101, user.username, "another guess 123")
    assert wrong_status == 400 and GUARDED in wrong_html


def test_on_guard_a_right_password_with_a_wrong_code_reads_as_a_wrong_password() -> None:
    user = make_user("max", MODERATORS)
    device = totp_device(user)
    guess_from_networks(user.username, throttle.PER_ACCOUNT.count)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    status, html = attempt(100, user.username, PASSWORD, code=wrong)
    assert status == 400 and GUARDED in html


def test_on_guard_the_owner_still_gets_in_with_the_password_and_the_code() -> None:
    user = make_user("max", MODERATORS)
    device = totp_device(user)
    guess_from_networks(user.username, 40)
    client = Client(REMOTE_ADDR="198.51.100.7")
    data = {"username": user.username, "password": PASSWORD, "otp_token": totp_code(device)}
    response = client.post(URL, data)
    assert response.status_code == 302
    assert client.get("/control/").status_code == 200


def test_without_the_guard_the_answers_are_as_before() -> None:
    user = make_user("max", MODERATORS)
    totp_device(user)
    guess_from_networks(user.username, 2)
    status, html = attempt(100, user.username, PASSWORD)
    assert status == 400 and NEEDS_CODE in html


def test_on_guard_an_account_without_a_second_factor_waits() -> None:
    user = make_user("max", MODERATORS)
    guess_from_networks(user.username, throttle.PER_ACCOUNT.count)
    status, html = attempt(100, user.username, PASSWORD)
    assert status == 400 and GUARDED in html
