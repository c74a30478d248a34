from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp import user_has_device

from undersigned.statements.roles import ORGANISERS, is_moderator, is_organiser


def staff_view(role: str = "moderators") -> Callable[[Callable[..., HttpResponse]], Any]:
    """Anonymous: to the login page. Logged in without the role: 403. No second factor yet:
    to its set-up (or back to the login when a device exists but this session did not use it).
    """
    allowed = is_organiser if role == ORGANISERS else is_moderator

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(user):
                raise PermissionDenied
            if not user.is_verified():  # type: ignore[attr-defined]
                if user_has_device(user):
                    return redirect_to_login(request.get_full_path())
                return redirect("control:two_factor")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
