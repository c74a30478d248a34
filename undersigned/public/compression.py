"""Gzip for what a shared cache may keep, never for a page that carries a secret.

BREACH recovers a secret from a compressed page that also reflects the attacker's input.
Public pages carry no CSRF token, no cookie and nothing personal, so they are compressed;
staff pages (CSRF token, session) and anything private or setting a cookie are not.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

from undersigned.public.middleware import STAFF_PREFIXES


class PublicGZipMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info.startswith(STAFF_PREFIXES) or response.has_header("Set-Cookie"):
            return response
        if "private" in response.get("Cache-Control", "") or response.cookies:
            return response
        return super().process_response(request, response)
