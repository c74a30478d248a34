"""Helpers for the staff browser tests: accounts made through the CLI, log-in with TOTP
from the key shown on the set-up page, as a person with an authenticator app does."""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from typing import Any

from django_otp.oath import TOTP

from tests.browser.conftest import run_axe
from undersigned.test import LiveSite

SLUG = "solidarity-against-war"


def code_for(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for a base32 SECRET typed in by hand."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    totp = TOTP(key, step=30, t0=0, digits=6)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def next_code(secret: str) -> str:
    """The code of the next 30-second step: the current one may be spent already."""
    return code_for(secret, at=(int(time.time()) // 30 + 1) * 30)


@dataclass
class Staff:
    email: str
    password: str
    secret: str = ""


def new_staff(site: LiveSite, email: str, *, moderator: bool = False) -> Staff:
    """Create an account through the CLI, as an operator does."""
    out = site.cli("createorganiser", email, *(["--moderator"] if moderator else []))
    match = re.search(r"One-time password[^:]*: (\S+)", out)
    assert match, out
    return Staff(email, match.group(1))


def log_in(page: Any, site: LiveSite, staff: Staff, code: str = "") -> None:
    page.goto(f"{site.url}/control/login/")
    page.fill("#id_username", staff.email)
    page.fill("#id_password", staff.password)
    if code:
        page.fill("#id_otp_token", code)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def set_up_totp(page: Any, staff: Staff) -> None:
    """On the set-up page: read the key as a person would type it, enter its code."""
    assert page.locator("figure.qr svg").count() == 1, "the QR code is inline SVG"
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret), secret
    page.fill("#id_token", code_for(secret))
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    staff.secret = secret


def logged_in_staff(page: Any, site: LiveSite, email: str, *, moderator: bool = False) -> Staff:
    """A new account, logged in, with its second factor set up."""
    staff = new_staff(site, email, moderator=moderator)
    log_in(page, site, staff)
    set_up_totp(page, staff)
    assert page.url == f"{site.url}/control/", page.url
    return staff


def log_out(page: Any, site: LiveSite) -> None:
    page.click("header button.logout")
    page.wait_for_url(f"{site.url}/control/login/")


def shell(site: LiveSite, code: str) -> str:
    """Run CODE in the site's Django shell; its last line of output."""
    return site.cli("shell", "-c", code).strip().splitlines()[-1]


def check(v: Any, label: str) -> None:
    """axe-core at 360 and at 1280 px, nothing wider than the screen at 360, the HTML kept
    for the Nu checker, screenshots at both widths (Visit.inspect)."""
    page = v.page
    page.wait_for_load_state("load")
    page.set_viewport_size({"width": 360, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 360, f"{label}: {wide} px wide at 360"
    bullets = page.evaluate(
        "[...document.querySelectorAll('header nav li')]"
        ".map(li => getComputedStyle(li).listStyleType).filter(t => t !== 'none')"
    )
    assert not bullets, f"{label}: the menu has bullets"
    v.inspect(label)  # axe at 360, screenshots at 360 and 1280
    page.set_viewport_size({"width": 1280, "height": 800})
    violations = run_axe(page)
    assert not violations, f"{label} at 1280: axe found {violations}"
    page.set_viewport_size({"width": 360, "height": 800})
