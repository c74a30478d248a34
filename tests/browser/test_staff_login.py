"""Staff log in from Chromium with the site's real headers: password, TOTP set-up from the
secret shown as text, log-out, and log-in again with a code."""

from __future__ import annotations

from typing import Any

from tests.browser.staff import log_in, log_out, new_staff, next_code, set_up_totp
from undersigned.test import LiveSite


def test_an_organiser_logs_in_sets_up_totp_logs_out_and_in_again(
    visit: Any, site: LiveSite
) -> None:
    staff = new_staff(site, "olga@example.org")
    v = visit("en")
    page = v.page
    log_in(page, site, staff)
    assert page.url == f"{site.url}/control/two-factor/", page.content()[:500]
    v.inspect("two-factor")
    set_up_totp(page, staff)
    assert page.url == f"{site.url}/control/"
    log_out(page, site)
    log_in(page, site, staff, next_code(staff.secret))
    assert page.url == f"{site.url}/control/", page.content()[:500]
    log_out(page, site)
    v.inspect("login")
    v.validate_html()
