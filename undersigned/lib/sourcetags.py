"""Source tags: the `?src=` the site itself puts in a flyer's or a sheet's QR code.

A tag names where a signer came from ("flyer", "picket-kyiv"), so the staff's trending
report can say which flyer brought signers. The public page is served from caches that
ignore unknown query parameters, so that random ones cannot make each request miss them;
a tag that changes the page (the sign form carries it) must not reopen that door. So a tag
is sent with a short keyed check, `picket-kyiv.k3h9x2ma`: only the site can make one, each
made tag is one more cached copy at most, and anything else is read as no tag at all.

Framework-free: the callers pass the server's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

TAG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")
CHECK_LENGTH = 8  # 40 bits: guessing one takes about 2^39 requests, each answered the same
MAX_LENGTH = 32 + 1 + CHECK_LENGTH


def _check(secret: str, tag: str) -> str:
    mac = hmac.new(f"source-tag:{secret}".encode(), tag.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode().lower()[:CHECK_LENGTH]


def valid_tag(tag: str) -> bool:
    """Lower-case letters, digits and inner hyphens, 1 to 32 of them."""
    return TAG.fullmatch(tag) is not None


def issue(secret: str, tag: str) -> str:
    """The `src` value for TAG, as a flyer's QR code carries it."""
    if not valid_tag(tag):
        raise ValueError(f"A source tag is 1–32 lower-case letters, digits and hyphens: {tag!r}")
    return f"{tag}.{_check(secret, tag)}"


def read(secret: str, value: str) -> str:
    """The tag a `src` VALUE carries if the site made it, else ''."""
    if len(value) > MAX_LENGTH:
        return ""
    tag, _dot, check = value.partition(".")
    if not valid_tag(tag) or len(check) != CHECK_LENGTH:
        return ""
    # compare_digest refuses non-ASCII strings with a TypeError: compare bytes.
    expected = _check(secret, tag).encode()
    return tag if hmac.compare_digest(check.encode(), expected) else ""
