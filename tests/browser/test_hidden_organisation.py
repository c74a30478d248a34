"""An organisation endorses without being named, in headless Chromium against the real
server, worker and SMTP: a moderator sees and approves it, the public page shows it only
by country and kind, and the moderator names it later at its request (issue 19, item 1)."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from tests.browser.conftest import ARTIFACTS
from tests.browser.staff import SLUG, logged_in_staff, shell
from tests.browser.test_endorsement_withdraw import links
from undersigned.test import LiveSite

NAME = "Kanareyka Workers' Union"
APPROVE = (
    "from undersigned.statements.models import Endorsement; "
    f"print(Endorsement.objects.get(name={NAME!r}).pk)"
)


def t(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def endorse_hidden(page: Any, site: LiveSite, language: str) -> None:
    page.goto(f"{site.url}/{language}/{SLUG}/")
    page.fill("#id_org-name", NAME)
    page.select_option("#id_org-country", "RU")
    page.fill("#id_org-website", "https://kanareyka.example.org/")
    page.select_option("#id_org-kind", "union")
    page.fill("#id_org-contact_name", "Pavel Contact")
    page.fill("#id_org-contact_email", "contact@kanareyka.example.org")
    page.check("#id_org-hidden")
    page.click(f"button:text-is('{t(language, 'Endorse on behalf of the organisation')}')")
    page.wait_for_url(re.compile(rf"/{language}/{SLUG}/thanks/"))
    (message,) = site.mailbox.wait_for("contact@kanareyka.example.org")
    page.goto(links(message)["confirm"])
    page.click(f"button:text-is('{t(language, 'Confirm the endorsement')}')")


def test_a_hidden_organisation_is_checked_by_moderators_and_unnamed_in_public(
    visit: Any, site: LiveSite
) -> None:
    signer = visit("uk")
    signer.page.goto(f"{site.url}/uk/{SLUG}/")
    signer.inspect("form")
    choice = signer.page.locator(".field:has(> .choice #id_org-hidden)")
    for width in (360, 1280):  # the choice itself, for a reviewer's eye
        signer.page.set_viewport_size({"width": width, "height": 800})
        choice.screenshot(path=str(ARTIFACTS / signer.name / f"hidden-choice-{width}.png"))
    endorse_hidden(signer.page, site, "uk")
    pk = shell(site, APPROVE).strip()

    staff = visit("en")
    page = staff.page
    logged_in_staff(page, site, "max@example.org", moderator=True)
    page.goto(f"{site.url}/control/endorsements/{pk}/")
    assert page.locator("h1").inner_text() == NAME
    assert "An organisation in Russia (Trade union)" in page.locator("main").inner_text()
    staff.inspect("moderator")
    page.get_by_label("Approve", exact=True).check()
    page.click("main button:text-is('Apply')")
    page.wait_for_url(f"{site.url}/control/endorsements/")

    public = signer.page
    public.goto(f"{site.url}/uk/{SLUG}/organisations/")
    text = public.locator("main").inner_text()
    assert "Організація з країни Росія (Профспілка)" in text
    assert "Kanareyka" not in public.content() and "kanareyka" not in public.content()
    signer.inspect("organisations")

    page.goto(f"{site.url}/control/endorsements/{pk}/")
    page.fill("#id_naming-reason", "The contact asked by email on 2 December")
    page.click('main button:text-is("Named now at the contact\'s request")')
    page.wait_for_url(f"{site.url}/control/endorsements/{pk}/")
    public.goto(f"{site.url}/uk/{SLUG}/organisations/?named=1")
    assert NAME in public.locator("main").inner_text()
    signer.validate_html()
    staff.validate_html()
