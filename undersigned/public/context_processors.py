from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language_info


def site(request: HttpRequest) -> dict[str, object]:
    switcher = [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(request.path, code),
        }
        for code, _name in settings.LANGUAGES
    ]
    return {"SITE_NAME": settings.SITE_NAME, "language_switcher": switcher}
