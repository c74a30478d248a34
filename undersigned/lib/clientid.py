"""Who is asking, without keeping who is asking (P5).

Rate limits need to recognise a client for a few minutes; nothing needs to know its address.
We derive a keyed hash of the address (and of its /24 or /64 network) with a key that
changes every day, so yesterday's hashes cannot be linked to today's or reversed without the
server key, and keep those hashes only in the cache with an expiry.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class Request(Protocol):
    """What is read of a request (a Django HttpRequest has it): its WSGI environ."""

    @property
    def META(self) -> Mapping[str, Any]: ...  # noqa: N802 (Django's name)


def client_address(request: Request, trusted_proxies: Iterable[str]) -> str:
    """The client's address; X-Forwarded-For is believed only from a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104
    trusted = _networks(tuple(trusted_proxies))
    if not trusted or not _trusted(remote, trusted):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    # Walk from the nearest hop back; the first address not ours is the client.
    for address in reversed([a for a in forwarded if a]):
        if not _in(address, trusted):
            return address
    return remote


def network_of(address: str) -> str:
    """The /24 (IPv4) or /64 (IPv6) network an address belongs to."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@functools.lru_cache(maxsize=8)
def day_key(secret: str, today: dt.date) -> bytes:
    return hashlib.blake2b(
        today.isoformat().encode(), key=secret.encode()[:64], digest_size=32
    ).digest()


def client_hash(secret: str, value: str, today: dt.date) -> str:
    """A keyed hash of an address or network that rotates every day (UTC)."""
    return hmac.new(day_key(secret, today), value.encode(), hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=256)
def _trusted(
    address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    """Whether the peer (a proxy, on every request the same few addresses) is trusted."""
    return _in(address, list(networks))


@functools.lru_cache(maxsize=8)
def _networks(items: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def _in(
    address: str,
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
    | tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...],
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)
