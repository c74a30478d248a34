"""The staff log-in's limits, counted by the one rate limiter (statements/limits.py).

Failures are counted, in 15-minute windows, on keyed hashes that rotate daily and live only
in the cache (P5): no username or address is stored. One bucket per account and network
(/24 or /64) stops guessing one password; a wider bucket per network stops spraying many
accounts from one place.
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


def locked(request: Request, username: str) -> bool:
    """Whether this network may not try this account now (answer 429, check nothing)."""
    pairs = _keys(request, username)
    counts = limits.peek(pairs)
    return any(count >= limit.count for count, (limit, _s) in zip(counts, pairs, strict=True))


def failed(request: Request, username: str) -> None:
    """Count a failure on every limit, in one round trip."""
    limits.hit_many(_keys(request, username))


def succeeded(request: Request, username: str) -> None:
    """The owner got in from here: this network may try this account again."""
    limits.reset(_keys(request, username)[:1])
