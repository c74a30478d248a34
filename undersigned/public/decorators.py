from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from undersigned.public.middleware import carries_token


def _origin_ok(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        own = f"{request.scheme}://{request.get_host()}"
        trusted = {own, *(o.rstrip("/") for o in settings.CSRF_TRUSTED_ORIGINS)}
        return origin.rstrip("/") in trusted
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    if origin == "null":
        # A page that sends no Referer (a token link's: public/middleware.py) makes the
        # browser send "Origin: null" with its form; browsers without Fetch Metadata then
        # say nothing else. The token in the URL is what authorises such a form, and a
        # site that knows it needs no visitor's browser to use it.
        return carries_token(request)
    # No Origin and no Fetch Metadata: not a browser a cross-site form could drive.
    referer = request.headers.get("Referer")
    return not referer or urlsplit(referer).netloc == request.get_host()


def same_origin_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CSRF protection for public forms without a cookie.

    Public pages must stay cacheable by a shared proxy, so they carry no CSRF token; an
    anonymous signer has no session to protect anyway. What we must stop is another site
    submitting forms in a visitor's name, which Origin and Sec-Fetch-Site reveal.
    """

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not _origin_ok(request):
            return render(
                request,
                "public/problem.html",
                {
                    "title": _("This form was sent from another site"),
                    "message": _(
                        "For your safety we only accept this form from our own pages. "
                        "Please open the statement page and try again."
                    ),
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped
