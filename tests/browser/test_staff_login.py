"""Staff log in from Chromium with the site's real headers: password, TOTP set-up from the
secret shown as text, log-out, and log-in again with a code."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

from django_otp.oath import TOTP

from undersigned.test import LiveSite


def code_for(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for a base32 SECRET typed in by hand."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    totp = TOTP(key, step=30, t0=0, digits=6)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def new_staff(site: LiveSite, email: str, *, moderator: bool = False) -> str:
    """Create an account through the CLI, as an operator does; return its password."""
    out = site.cli("createorganiser", email, *(["--moderator"] if moderator else []))
    match = re.search(r"One-time password[^:]*: (\S+)", out)
    assert match, out
    return match.group(1)


def log_in(page: Any, site: LiveSite, email: str, password: str, code: str = "") -> None:
    page.goto(f"{site.url}/control/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    if code:
        page.fill("#id_otp_token", code)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def set_up_totp(page: Any) -> str:
    """On the set-up page: read the secret as a person would type it, enter its code."""
    assert page.locator("figure.qr svg").count() == 1, "the QR code is inline SVG"
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret), secret
    page.fill("#id_token", code_for(secret))
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    return secret


def test_an_organiser_logs_in_sets_up_totp_logs_out_and_in_again(
    visit: Any, site: LiveSite
) -> None:
    email = "olga@example.org"
    password = new_staff(site, email)
    v = visit("en")
    page = v.page
    log_in(page, site, email, password)
    assert page.url == f"{site.url}/control/two-factor/", page.content()[:500]
    v.inspect("two-factor")
    secret = set_up_totp(page)
    assert page.url == f"{site.url}/control/"
    assert page.locator("h1").count() == 1

    page.click("header button:text-is('Log out')")
    page.wait_for_url(f"{site.url}/control/login/")
    # The code just used is spent; the next step's code logs in again.
    next_step = (int(time.time()) // 30 + 1) * 30
    log_in(page, site, email, password, code_for(secret, at=next_step))
    assert page.url == f"{site.url}/control/", page.content()[:500]
    page.click("header button:text-is('Log out')")
    page.wait_for_url(f"{site.url}/control/login/")
    v.inspect("login")
    v.validate_html()
