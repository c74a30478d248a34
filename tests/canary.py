"""The canary's signers and what it searches (tests/test_canary.py, tests/test_canary_live.py).

Synthetic signers carry unique marker strings in every personal field. After they have acted,
everything an attacker who seizes the server could read is gathered in a Haystack and searched:
none of it may contain a marker the signer did not (or no longer) make public, any SHA-256 or
MD5 hex of a marker email, or the client's address.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from undersigned.lib.sealing import normalise_email

CLIENT_IP = "198.51.100.77"
RUN = secrets.token_hex(3)  # per run, so nothing left from another run can match
MARKER = re.compile(rb"cnry[a-z]{4}\d{4}[0-9a-f]{6}", re.I)
HEX = re.compile(rb"[0-9a-fA-F]{32,}")
COUNTRIES = ["UA", "RU", "DE", "BY", "PL", "GE", "LT", "RU"]


@dataclass
class Signer:
    i: int
    visibility: int | None  # None: picks nothing, the default rule applies
    action: str  # pending, confirm, withdraw, erase, lower, twice, nomail
    country: str
    final_visibility: int = 4
    shown: bool = True  # False once withdrawn or erased

    def marker(self, kind: str) -> str:
        return f"Cnry{kind}{self.i:04d}{RUN}"

    @property
    def name(self) -> str:
        return f"{self.marker('Name')} {self.marker('Surn')}"

    @property
    def email(self) -> str:
        # Mixed case: the raw and the normalised address hash differently.
        return "" if self.action == "nomail" else f"{self.marker('Mail')}@Example.ORG"

    def form(self, name: str | None = None) -> dict[str, str]:
        data = {
            "name": name or self.name,
            "email": self.email,
            "country": self.country,
            "city": self.marker("City"),
            "affiliation": self.marker("Affl"),
        }
        if self.visibility is not None:
            data["visibility"] = str(self.visibility)
        return data

    def public_markers(self) -> set[str]:
        """What this signer has made public and not taken back."""
        if not self.shown:
            return set()
        if self.final_visibility == 1:
            return {self.marker(k).lower() for k in ("Name", "Surn", "City", "Affl")}
        if self.final_visibility == 2:
            return {self.marker(k).lower() for k in ("Name", "Surn")}
        return set()

    def all_markers(self) -> set[str]:
        kinds = ("Name", "Surn", "City", "Affl", "Mail", "Resn")
        return {self.marker(k).lower() for k in kinds}

    def email_hashes(self) -> set[str]:
        if not self.email:
            return set()
        found = set()
        for address in (self.email, normalise_email(self.email)):
            found.add(hashlib.sha256(address.encode()).hexdigest())
            found.add(hashlib.md5(address.encode(), usedforsecurity=False).hexdigest())
        return found


ACTIONS = ["confirm", "pending", "withdraw", "erase", "lower", "twice", "confirm", "nomail"]


def cast(n: int) -> list[Signer]:
    signers = []
    for i in range(n):
        country = COUNTRIES[i % len(COUNTRIES)]
        visibility: int | None = i % 4 + 1
        if country in ("RU", "BY") and i % 3 == 0:
            visibility = None  # left the default: stored as not public
        signers.append(Signer(i, visibility, ACTIONS[(i * 5 + i // 8) % len(ACTIONS)], country))
    return signers


@dataclass
class Haystack:
    """Everything a seized server holds, by where it was found."""

    places: dict[str, bytes] = field(default_factory=dict)

    def add(self, where: str, data: bytes) -> None:
        self.places[where] = self.places.get(where, b"") + data + b"\n"

    def markers(self) -> dict[str, set[str]]:
        return {
            where: {m.decode().lower() for m in MARKER.findall(data)}
            for where, data in self.places.items()
        }

    def hex_windows(self) -> dict[str, set[str]]:
        """Every 32- and 64-character window of every hex run: hashes hide in longer runs."""
        found: dict[str, set[str]] = {}
        for where, data in self.places.items():
            windows: set[str] = set()
            for run in HEX.findall(data):
                text = run.decode().lower()
                for size in (32, 64):
                    windows.update(text[k : k + size] for k in range(len(text) - size + 1))
            found[where] = windows
        return found

    def containing(self, needle: str) -> list[str]:
        return [where for where, data in self.places.items() if needle.encode() in data]


def sqlite_files(path: str | Path) -> Iterator[tuple[str, bytes]]:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            yield candidate.name, candidate.read_bytes()


def pg_dump(url: str) -> bytes:
    return subprocess.run(
        ["pg_dump", "--no-owner", url], check=True, capture_output=True, timeout=300
    ).stdout


def redis_entries() -> Iterator[tuple[str, bytes]]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    for key in client.scan_iter(match=f"{prefix}:*" if prefix else "*"):
        value = client.get(key) if client.type(key) == b"string" else client.dump(key)
        yield key.decode(errors="replace"), key + b" " + (value or b"")


def disk_cache_entries(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Every file of the one-machine disk cache raw (its SQLite files included), and each
    entry's key and value as the cache returns them."""
    from diskcache import Cache

    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield str(path.relative_to(folder)), path.read_bytes()
    for shard in sorted(db.parent for db in folder.rglob("cache.db")):
        cache = Cache(str(shard))
        try:
            for key in cache.iterkeys():
                value = cache.get(key, default=None, retry=True)
                yield f"entry {key}", f"{key} {value!r}".encode()
        finally:
            cache.close()


def assert_nothing_leaks(
    hay: Haystack, signers: list[Signer], *, client_ip: str | None = CLIENT_IP
) -> None:
    allowed = set().union(*(s.public_markers() for s in signers))
    forbidden = set().union(*(s.all_markers() for s in signers)) - allowed
    hashes = set().union(*(s.email_hashes() for s in signers))
    found = hay.markers()
    leaks = {where: sorted(markers & forbidden)[:5] for where, markers in found.items()}
    assert not any(leaks.values()), f"non-public markers found: {leaks}"
    windows = hay.hex_windows()
    hashed = {where: sorted(w & hashes)[:3] for where, w in windows.items()}
    assert not any(hashed.values()), f"hashes of marker emails found: {hashed}"
    if client_ip:
        ip_hashes = {
            hashlib.sha256(client_ip.encode()).hexdigest(),
            hashlib.md5(client_ip.encode(), usedforsecurity=False).hexdigest(),
        }
        assert not hay.containing(client_ip), f"client address in {hay.containing(client_ip)}"
        assert not [w for w, hexes in windows.items() if hexes & ip_hashes]
    # Not vacuous: the public part is there to be found, in the clear, in the database.
    seen = set().union(*found.values())
    assert allowed and allowed <= seen, "public markers should be readable somewhere"


def stored_visibility(s: Signer) -> int:
    if s.visibility is not None:
        return s.visibility
    return 4 if s.country in settings.HIGH_RISK_COUNTRIES else settings.DEFAULT_VISIBILITY
