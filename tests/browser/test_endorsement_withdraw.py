"""An organisation endorses, confirms, and later withdraws through the second link in its
email: in headless Chromium against the real server, worker and SMTP (issue 16, item 4)."""

from __future__ import annotations

import re
from email.message import Message
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from undersigned.test import LiveSite

SLUG = "solidarity-against-war"
LINK = re.compile(r"https?://\S+/endorsement/[A-Za-z0-9_-]{32}/(withdraw/)?")


def t(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def links(message: Message) -> dict[str, str]:
    text = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            text += payload.decode(part.get_content_charset() or "utf-8")
    found = {m.group(0): m.group(1) for m in LINK.finditer(text)}
    return {("withdraw" if kind else "confirm"): url for url, kind in found.items()}


@pytest.mark.parametrize("language", ["uk"])
def test_an_organisation_withdraws_its_own_endorsement(
    visit: Any, site: LiveSite, language: str
) -> None:
    v = visit(language)
    page = v.page
    page.goto(f"{site.url}/{language}/{SLUG}/")
    email = "contact@kharkiv-union.example.org"
    page.fill("#id_org-name", "Kharkiv Teachers' Union")
    page.select_option("#id_org-country", "UA")
    page.fill("#id_org-website", "https://kharkiv-union.example.org/")
    page.select_option("#id_org-kind", "union")
    page.fill("#id_org-contact_name", "Olena Contact")
    page.fill("#id_org-contact_email", email)
    page.click(f"button:text-is('{t(language, 'Endorse on behalf of the organisation')}')")
    page.wait_for_url(re.compile(rf"/{language}/{SLUG}/thanks/"))

    (message,) = site.mailbox.wait_for(email)
    urls = links(message)
    assert set(urls) == {"confirm", "withdraw"}
    page.goto(urls["confirm"])
    page.click(f"button:text-is('{t(language, 'Confirm the endorsement')}')")

    page.goto(urls["withdraw"])
    assert page.locator("h1").inner_text() == t(
        language, "Withdraw your organisation's endorsement"
    )
    v.inspect("withdraw")
    page.click(f"button:text-is('{t(language, 'Withdraw the endorsement')}')")
    assert page.locator("h1").inner_text() == t(language, "Endorsement withdrawn")
    v.inspect("withdrawn")
    page.goto(urls["withdraw"])
    assert page.locator("h1").inner_text() == t(language, "This link does not work")
    v.validate_html()
