"""Staff log-in with a second factor, its set-up, password change and log-out."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from undersigned.control import throttle
from undersigned.control.decorators import staff_view
from undersigned.control.forms import (
    LoginForm,
    TokenForm,
)
from undersigned.statements.models import record
from undersigned.statements.roles import is_moderator


def grouped_secret(key: bytes) -> str:
    """The TOTP key as an app asks for it when typed by hand: base32, in groups of four."""
    text = base64.b32encode(key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return "/control/"


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "next": _next(request)}
    if request.method == "POST":
        username = request.POST.get("username", "")
        if throttle.locked(request, username):
            context["locked"] = True
            return render(request, "control/login.html", context, status=429)
        if form.is_valid():
            user = form.get_user()
            auth_login(request, user)
            if form.device is not None:
                otp_login(request, form.device)
            throttle.succeeded(request, username)
            record(user, "login")
            return redirect(context["next"])
        throttle.failed(request, username)
        # The typed name is kept only when it names a real account: a password typed into the
        # wrong box must never land in the log.
        # A name with a NUL byte names no account, and PostgreSQL refuses it in a query.
        named = get_user_model().objects.filter(username=username)
        known = None if "\x00" in username else named.first()
        record(known, "failed_login", reason="" if known else _("unknown account"))
        return render(request, "control/login.html", context, status=400)
    return render(request, "control/login.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record(request.user, "logout")
    auth_logout(request)
    return redirect("control:login")


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("control:login")
    if not is_moderator(user):
        raise PermissionDenied
    if user_has_device(user):
        return redirect("control:home")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record(user, "two_factor")
            return redirect("control:home")
        form.add_error("token", _("This code is not right. Check your device's clock and retry."))
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, light="white")
    context = {
        "form": form,
        "qr": mark_safe(qr),  # noqa: S308 (segno's own SVG of our own URL)
        "secret": grouped_secret(device.bin_key),
        "uri": device.config_url,
    }
    return render(request, "control/two_factor.html", context, status=400 if form.errors else 200)


class _PasswordChange(PasswordChangeView):
    template_name = "control/password.html"
    success_url = "/control/"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record(self.request.user, "password")
        messages.success(self.request, _("Your password is changed."))
        return response


password = staff_view()(_PasswordChange.as_view())  # type: ignore[arg-type]
