"""One mailbox, one form: email addresses normalised for duplicate detection (promise P3).

Framework-free. The domain is mapped as browsers and mail servers map it (IDNA with the
UTS #46 mapping: compatibility forms, case, decomposed letters), then written as its ASCII
form (A-label), so `exämple.org`, `xn--exmple-cua.org`, a decomposed `ä` and a full-width
`ｅｘａｍｐｌｅ.org` are one domain. The local part is NFKC-normalised and compared without
case: RFC 5321 lets a server tell `Anna@` from `anna@`, but no common provider does, and
counting one mailbox twice breaks the promise while merging two (never seen) only stops
the second from signing. Dots and +tags are left alone: providers differ on them.
"""

from __future__ import annotations

import re
import unicodedata

import idna

# A plain ASCII host name without A-labels is already canonical once lower-cased: the
# common case skips the IDNA machinery (the sign path is benchmarked).
_PLAIN_HOST = re.compile(
    r"(?!.*(?:^|\.)xn--)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
)


def ascii_domain(domain: str) -> str | None:
    """The domain in its canonical ASCII form, or None if it is not a valid domain name."""
    if domain.isascii():
        plain = domain.strip().rstrip(".").lower()
        if len(plain) <= 253 and _PLAIN_HOST.fullmatch(plain):
            return plain
    text = unicodedata.normalize("NFKC", domain).strip().rstrip(".")
    if not text:
        return None
    try:
        encoded = idna.encode(text, uts46=True, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError):
        return None
    return encoded.decode("ascii").lower()


def normalise(address: str) -> str:
    """The form used for duplicate detection: the same for every spelling of one mailbox."""
    text = unicodedata.normalize("NFKC", address.strip())
    local, at, domain = text.rpartition("@")
    if not at:
        return text.lower()
    canonical = ascii_domain(domain)
    return f"{local.lower()}@{canonical if canonical is not None else domain.lower()}"


def for_sending(address: str) -> str | None:
    """The address to send to: the local part as typed (NFC), the domain in ASCII.

    None when the domain is not a valid domain name, so a form can refuse it.
    """
    text = unicodedata.normalize("NFC", address.strip())
    local, at, domain = text.rpartition("@")
    canonical = ascii_domain(domain) if at else None
    if not local or canonical is None:
        return None
    # An ASCII domain stays as typed (its case is the signer's); any other is written in
    # ASCII, which every mail server takes.
    return f"{local}@{domain if domain.isascii() else canonical}"
