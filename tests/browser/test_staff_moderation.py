"""A moderator decides endorsements in Chromium: approve, reject with a reason, ask for
more, and bulk, on the real server with the site's real headers."""

from __future__ import annotations

import json
from typing import Any

from tests.browser.staff import SLUG, logged_in_staff, shell
from undersigned.test import LiveSite

MAKE = (
    "from undersigned.statements.models import Statement; "
    "from undersigned.test import make_endorsement; "
    f"s = Statement.objects.get(slug='{SLUG}'); "
    "print(*[make_endorsement(s, name=n, website=f'https://{n.lower()}.example/', "
    "email=f'c@{n.lower()}.example').pk for n in ('Alpha', 'Beta', 'Gamma', 'Delta', 'Eps')])"
)
STATES = (
    "import json; from undersigned.statements.models import Endorsement; "
    "print(json.dumps(dict(Endorsement.objects.values_list('name', 'state'))))"
)


def decide(page: Any, site: LiveSite, pk: str, label: str, reason: str = "") -> None:
    page.goto(f"{site.url}/control/endorsements/{pk}/")
    page.get_by_label(label, exact=True).check()
    if reason:
        page.fill("#id_reason", reason)
    page.click("main button:text-is('Apply')")
    page.wait_for_url(f"{site.url}/control/endorsements/")
    assert page.locator("[role=status] .message").inner_text() == "Done."


def test_a_moderator_decides_each_way_and_in_bulk(visit: Any, site: LiveSite) -> None:
    alpha, beta, gamma, delta, eps = shell(site, MAKE).split()
    v = visit("en")
    page = v.page
    logged_in_staff(page, site, "max@example.org", moderator=True)
    page.goto(f"{site.url}/control/endorsements/{alpha}/")
    v.inspect("endorsement")
    decide(page, site, alpha, "Approve")
    decide(page, site, beta, "Reject", "Not an organisation")
    decide(page, site, gamma, "Ask for more information", "Who runs it?")
    page.goto(f"{site.url}/control/endorsements/")
    v.inspect("queue")
    page.check(f"#pick-{delta}")
    page.check(f"#pick-{eps}")
    page.get_by_label("Approve", exact=True).check()
    page.click("main button:text-is('Apply')")
    page.wait_for_load_state("load")
    assert page.locator("[role=status] .message").inner_text() == "2 endorsements done."
    assert json.loads(shell(site, STATES)) == {
        "Alpha": "approved",
        "Beta": "rejected",
        "Gamma": "more_info_requested",
        "Delta": "approved",
        "Eps": "approved",
    }
    v.validate_html()
