from __future__ import annotations

import datetime as dt

from django.test import RequestFactory

from undersigned.lib import clientid

DAY = dt.date(2026, 11, 27)


def request(remote: str, forwarded: str = "") -> object:
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_forwarded_for_is_ignored_without_a_trusted_proxy() -> None:
    assert clientid.client_address(request("203.0.113.9", "198.51.100.1"), []) == "203.0.113.9"


def test_forwarded_for_is_believed_from_a_trusted_proxy() -> None:
    req = request("10.0.0.2", "1.2.3.4, 198.51.100.7")
    assert clientid.client_address(req, ["10.0.0.0/8"]) == "198.51.100.7"


def test_a_forged_hop_before_the_proxy_is_skipped_only_when_trusted() -> None:
    req = request("10.0.0.2", "6.6.6.6, 10.0.0.5")
    assert clientid.client_address(req, ["10.0.0.0/8"]) == "6.6.6.6"


def test_networks_are_slash_24_and_slash_64() -> None:
    assert clientid.network_of("203.0.113.77") == "203.0.113.0/24"
    assert clientid.network_of("2001:db8:1:2:3::9") == "2001:db8:1:2::/64"


def test_the_hash_rotates_daily_and_hides_the_address() -> None:
    today = clientid.client_hash("k", "203.0.113.9", DAY)
    assert today == clientid.client_hash("k", "203.0.113.9", DAY)
    assert today != clientid.client_hash("k", "203.0.113.9", DAY + dt.timedelta(days=1))
    assert "203.0.113.9" not in today
