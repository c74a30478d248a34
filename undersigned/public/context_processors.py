from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from undersigned.public.middleware import carries_token


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        # The page's <meta name="referrer">: a page whose URL holds a link token sends no
        # Referer at all (public/middleware.py sends the same header).
        "REFERRER_POLICY": "no-referrer" if carries_token(request) else "same-origin",
    }
