"""Error pages in the site's style and the visitor's language, and the site's small files.

Django's own error pages are bare English; these take the language from the URL prefix or
Accept-Language (LocaleMiddleware has chosen it before any view runs) and carry no cookie,
token or personal data, so they are safe to compress and cache like any public page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

ICON = Path(__file__).resolve().parent / "static" / "undersigned" / "icon.svg"
# Crawlers may read the statements; links that act on a signature are none of their business.
ROBOTS = """User-agent: *
Disallow: /control/
Disallow: /admin/
Disallow: /*/confirm/
Disallow: /*/manage/
Disallow: /*/endorsement/
Disallow: /*/invite/
Disallow: /*/sign/
Disallow: /*/endorse/
Disallow: /pow/
"""


def _page(
    request: HttpRequest, status: int, title: str, message: str, statement: str = ""
) -> HttpResponse:
    context = {"title": title, "message": message, "status": status, "statement_slug": statement}
    return render(request, "public/error.html", context, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("Page not found"),
        _("There is no page at this address. Please check it, or start from the home page."),
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        400,
        _("We could not understand this request"),
        _("Please go back and try again, or start from the home page."),
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("You may not open this page"),
        _("If you think you should, log in first or ask the organisers."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        _("This form could not be accepted"),
        _(
            "Please reload the page and send the form again. If this happens again, allow "
            "this site's cookie: the staff pages need one to keep you logged in safely."
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        _("Something went wrong on our side"),
        _("Nothing you did caused this. Please try again in a few minutes."),
    )


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    if "POST" in allowed and "GET" not in allowed:
        message = _("This address only takes a form sent from the page. Please open the page.")
    else:
        message = _("This address cannot be used this way. Please open it in your browser.")
    match = request.resolver_match
    slug = str(match.kwargs.get("slug", "")) if match else ""
    response = _page(request, 405, _("This page cannot be opened this way"), message, slug)
    response["Allow"] = allowed
    return response


class StyledErrorsMiddleware:
    """Give Django's empty 405 answers (require_POST and friends) a page of our own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and "Allow" in response:
            return method_not_allowed(request, response["Allow"])
        return response


@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest, *args: Any) -> HttpResponse:
    """The site's icon where browsers look for it first; SVG, as the pages' <link> says."""
    return HttpResponse(ICON.read_bytes(), content_type="image/svg+xml")
