"""Gzip for what a shared cache may keep, never for a page that carries a secret.

BREACH recovers a secret from a compressed page that also reflects the attacker's input.
Only responses marked `Cache-Control: public` are compressed: the statement page, the
count, the organisations list, static files. They carry no CSRF token, no cookie and
nothing personal by construction, since a shared cache hands them to everyone. Staff pages
(CSRF token, session), the pages opened by a link from an email (whose address is the
secret) and anything setting a cookie are sent as they are.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import cc_delim_re

from undersigned.public.middleware import STAFF_PREFIXES


def shared(response: HttpResponseBase) -> bool:
    directives = {
        d.split("=")[0].strip().lower()
        for d in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    return "public" in directives and not directives & {"private", "no-store"}


class PublicGZipMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info.startswith(STAFF_PREFIXES) or response.cookies:
            return response
        if response.has_header("Set-Cookie") or not shared(response):
            return response
        return super().process_response(request, response)
