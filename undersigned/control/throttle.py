"""The staff log-in's limits, counted by the one rate limiter (statements/limits.py).

Failures are counted, in 15-minute windows, on keyed hashes that rotate daily and live only
in the cache (P5): no username or address is stored.

- Per account and network (/24 or /64): 5 failures lock that network out of that account
  (429). The owner, elsewhere, is not affected.
- Per network: 20 failures lock the network out of every account (spraying).
- Per account, from every network: 10 failures put the account on guard. An attacker
  with many networks can always get there, so the guard must not lock the owner out: on
  guard, the password is only ever judged together with the second factor, and every
  failure gets the same answer. A right password with a wrong or missing code reads
  exactly as a wrong password, so guessing from many networks tells the attacker nothing,
  while the owner, who types both, still gets in. An account without a second factor has
  nothing but its password, so on guard it waits out the window.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from undersigned.lib.clientid import Request, client_address, client_hash, network_of
from undersigned.lib.ratelimit import Limit
from undersigned.statements import limits

WINDOW_SECONDS = 15 * 60
PER_ACCOUNT_AND_NETWORK = Limit("login-fail", 5, WINDOW_SECONDS)
PER_NETWORK = Limit("login-fail-network", 20, WINDOW_SECONDS)
PER_ACCOUNT = Limit("login-fail-account", 10, WINDOW_SECONDS)


def _account(username: str) -> str:
    today = timezone.now().date()
    return client_hash(settings.CLIENT_HASH_KEY, "user:" + username.strip().lower(), today)


def _network(request: Request) -> str:
    address = client_address(request, settings.TRUSTED_PROXIES)
    return client_hash(settings.CLIENT_HASH_KEY, network_of(address), timezone.now().date())


def _keys(request: Request, username: str) -> list[tuple[Limit, str]]:
    """The (limit, subject) pairs that lock a network: per account there, and in all."""
    where = _network(request)
    return [(PER_ACCOUNT_AND_NETWORK, f"{_account(username)}:{where}"), (PER_NETWORK, where)]


def _account_key(username: str) -> tuple[Limit, str]:
    return (PER_ACCOUNT, _account(username))


def locked(request: Request, username: str) -> bool:
    """Whether this network may not try this account now (answer 429, check nothing)."""
    pairs = _keys(request, username)
    counts = limits.peek(pairs)
    return any(count >= limit.count for count, (limit, _s) in zip(counts, pairs, strict=True))


def guarded(username: str) -> bool:
    """Whether the account is on guard: its password is judged only with its second factor."""
    return limits.peek([_account_key(username)])[0] >= PER_ACCOUNT.count


def failed(request: Request, username: str) -> None:
    """Count a failure on every limit, in one round trip."""
    limits.hit_many([*_keys(request, username), _account_key(username)])


def succeeded(request: Request, username: str) -> None:
    """The owner got in from here: this network may try this account again. The count
    across networks stays, since an attack elsewhere goes on."""
    limits.reset(_keys(request, username)[:1])
