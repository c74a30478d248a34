"""The onion service: which requests came through it, and the Onion-Location header.

A request counts as arriving through the onion service only in the server process that
`undersigned serve` binds to ONION_LISTEN for tor (it sets UNDERSIGNED_ONION_LISTENER in that
process alone), and only for the onion address. No header decides it: a header that a
client on the ordinary listener could send would free it from every address limit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port

from undersigned.public.middleware import STAFF_PREFIXES


def via_onion(request: HttpRequest) -> bool:
    if not (settings.ONION_LISTENER and settings.ONION_ADDRESS):
        return False
    domain, _port = split_domain_port(request.META.get("HTTP_HOST", ""))
    return domain == settings.ONION_ADDRESS


class OnionLocationMiddleware:
    """Tell Tor Browser that public pages are also on the onion service (Onion-Location).

    Tor Browser heeds the header only on HTTPS pages; staff pages do not get it, since the
    staff log-in's cookies are for the site's own address.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.ONION_ADDRESS
            and not via_onion(request)
            and not request.path_info.startswith(STAFF_PREFIXES)
        ):
            location = f"http://{settings.ONION_ADDRESS}{request.get_full_path()}"
            response.headers.setdefault("Onion-Location", location)
        return response
