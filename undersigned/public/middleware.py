from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

# No inline script or style anywhere, nothing from another origin (P6).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# The embed (public/embed.py), and only it, may be framed by any site.
EMBED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *").replace(
    "form-action 'self'", "form-action 'none'"
)


def carries_token(request: HttpRequest) -> bool:
    """Whether the URL holds a link token (confirm, manage, endorsement, invite links): the
    page must not hand its own address on as a Referer, not even to its own site (its
    styles and scripts, and a reverse proxy's log of them, would hold the token)."""
    match = request.resolver_match
    return match is not None and "token" in match.kwargs


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Also on responses made outside the inner middleware (the language redirect).
        if not getattr(response, "xframe_options_exempt", False):  # the embed, only
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "interest-cohort=(), browsing-topics=()")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if carries_token(request):  # base.html's <meta name="referrer"> says the same
            response.headers["Referrer-Policy"] = "no-referrer"
        if response.cookies and not request.path_info.startswith(STAFF_PREFIXES):
            # Visitors get no cookie, whatever set one: a shared cache would hand a public
            # page's cookie to everyone (issue 14, item 5).
            response.cookies.clear()
        return response


# Where staff sign in (the moderators' site and Django's admin). Everything else is public.
STAFF_PREFIXES = ("/control/", "/admin/")
# Sessions, staff log-in, its second factor and flash messages: staff pages need them and
# no public page does (visitors get no cookie), so public requests skip them.
STAFF_MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


class StaffOnlyMiddleware:
    """Run STAFF_MIDDLEWARE, as Django would, for requests under STAFF_PREFIXES only.

    They cost a sign request several percent for nothing (about 7 % less without them, in
    one process): a session store made and checked, a lazy user and its OTP wrapper, a
    message store. The prefixes follow undersigned/urls.py. None of them has a view,
    exception or template-response hook, so wrapping them changes nothing else; each is
    wrapped as Django wraps middleware, turning exceptions into responses.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        handler: Callable[[HttpRequest], Any] = get_response
        for dotted in reversed(STAFF_MIDDLEWARE):
            middleware = import_string(dotted)
            for hook in ("process_view", "process_exception", "process_template_response"):
                if hasattr(middleware, hook):  # would be silently skipped here
                    raise ImproperlyConfigured(f"{dotted} has {hook}; list it in MIDDLEWARE")
            handler = convert_exception_to_response(middleware(handler))
        self.staff = handler

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(STAFF_PREFIXES):
            response: HttpResponse = self.staff(request)
            return response
        return self.get_response(request)


class StaffCsrfViewMiddleware(CsrfViewMiddleware):
    """Django's CSRF check, whose cookie public paths neither read nor set.

    Public forms check Origin and Sec-Fetch-Site instead (public/decorators.py). Without
    this, a malformed `csrftoken` cookie sent to a public page made Django set a fresh one
    on a response marked `Cache-Control: public`. A POST to a public view that is not
    exempt still has its token checked (and refused) in process_view.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(STAFF_PREFIXES):
            super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info.startswith(STAFF_PREFIXES):
            return super().process_response(request, response)
        return response
