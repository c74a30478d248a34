"""Subresource Integrity for our own scripts: {% integrity "undersigned/seal.js" %}.

The sealing scripts decide what the server can read; the hash in the page makes the
browser refuse a copy that differs from the one the page was made with.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from django import template
from django.contrib.staticfiles import finders

register = template.Library()


@register.simple_tag
def integrity(path: str) -> str:
    return _digest(path)


@functools.cache
def _digest(path: str) -> str:
    found = finders.find(path)
    if not isinstance(found, str):
        raise template.TemplateSyntaxError(f"no static file {path!r}")
    with open(found, "rb") as fh:
        digest = hashlib.sha384(fh.read()).digest()
    return "sha384-" + base64.b64encode(digest).decode()
