"""Login rate limits, keyed on hashes that rotate daily and live only in the cache (P5).

One bucket per account and client stops guessing one password; a wider bucket per client
stops spraying many accounts from one place. Neither stores a username or an address.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from undersigned.lib.clientid import client_address, client_hash, network_of

WINDOW_SECONDS = 15 * 60
PER_ACCOUNT = 5
PER_CLIENT = 20


def _keys(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    today = timezone.now().date()
    address = client_address(request, settings.TRUSTED_PROXIES)
    who = client_hash(settings.CLIENT_HASH_KEY, "user:" + username.strip().lower(), today)
    where = client_hash(settings.CLIENT_HASH_KEY, network_of(address), today)
    return [(f"login-fail:{who}:{where}", PER_ACCOUNT), (f"login-fail:*:{where}", PER_CLIENT)]


def locked(request: HttpRequest, username: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(request, username))


def failed(request: HttpRequest, username: str) -> None:
    for key, _limit in _keys(request, username):
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS)


def succeeded(request: HttpRequest, username: str) -> None:
    cache.delete(_keys(request, username)[0][0])
