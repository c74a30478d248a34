"""Comparing organisations: normalised names, website hosts and email domains.

Used to flag likely duplicates and a contact address on the organisation's own domain for
a moderator. Nothing here decides; a person does.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """Case, accents-as-composed, punctuation and spacing folded away.

    "Free Trade-Union «Solidarity»" and "free trade union solidarity" compare equal.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def website_host(url: str) -> str:
    """The lower-case host of URL without a leading www., or "" when it has none."""
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def email_domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def domains_match(email: str, url: str) -> bool:
    """Whether the address is on the website's domain or a subdomain of it (or vice versa)."""
    domain, host = email_domain(email).removeprefix("www."), website_host(url)
    if not domain or not host:
        return False
    return domain == host or domain.endswith("." + host) or host.endswith("." + domain)
