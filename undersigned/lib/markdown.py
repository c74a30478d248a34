"""Markdown to safe HTML: rendered by markdown-it, then sanitised by nh3 (never trusted)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "h2",
    "h3",
    "h4",
    "hr",
    "code",
    "pre",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render(text: str) -> str:
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        # Outbound links leak nothing about the reader: no referrer, no opener.
        link_rel="noopener noreferrer nofollow",
    )


def substance(text: str) -> str:
    """The text with formatting noise removed: what decides whether a change is substantive.

    Whitespace, line wrapping and Unicode normalisation form are not substance; any change
    of words, punctuation or demands is.
    """
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def content_hash(*parts: str) -> str:
    joined = "\x1f".join(substance(p) for p in parts)
    return hashlib.sha256(joined.encode()).hexdigest()
