"""A signer asks for a receipt and checks it on the site, without JavaScript (issue 17):
sign, confirm, the manage page before and after the checkpoint, the statement page naming
its checkpoint, and the receipt page, in headless Chromium against the real server."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from undersigned.test import LiveSite, links_in

SLUG = "solidarity-against-war"
_ticks = itertools.count(1)
LATER = (
    "Once your signature counts, a receipt that proves it is in the signed count log will be "
    "available through the link in your email to manage your signature, after the next "
    "checkpoint."
)


def t(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


@pytest.fixture(scope="module", autouse=True)
def counts_that_may_be_shown(site: LiveSite) -> None:
    """Above SUPPRESS_BELOW, so the page may name the checkpoint its total matches (P9)."""
    site.cli(
        "shell",
        "-c",
        "from undersigned.statements.models import Statement; "
        "from undersigned.public.tests.signers import add_signatures; "
        f"add_signatures(Statement.objects.get(slug='{SLUG}'), 20, country='UA')",
    )


def log_tick(site: LiveSite) -> None:
    """The worker's log tick, now rather than within LOG_CHECKPOINT_SECONDS: each call signs
    as if ten more minutes had passed, so each may sign a new checkpoint."""
    minutes = 10 * next(_ticks)
    site.cli(
        "shell",
        "-c",
        "import datetime as dt; from django.utils import timezone; "
        "from undersigned.statements import tlog; "
        f"tlog.tick(timezone.now() + dt.timedelta(minutes={minutes}))",
    )


@pytest.mark.parametrize("language", ["en", "uk"])
def test_a_signer_gets_a_receipt_and_checks_it_without_javascript(
    visit: Any, site: LiveSite, language: str
) -> None:
    v = visit(language, javascript=False)
    page = v.page
    page.goto(f"{site.url}/{language}/{SLUG}/")
    email = f"receipt-{language}@example.org"
    page.fill("#id_name", "Receipt Signer")
    page.fill("#id_email", email)
    page.select_option("#id_country", "UA")
    page.check("#id_visibility_3")
    page.click(f"button:text-is('{t(language, 'Sign')}')")
    page.wait_for_url(f"{site.url}/{language}/{SLUG}/thanks/")
    assert t(language, LATER)[:40] in page.locator("main").inner_text()
    v.inspect("thanks")

    links = links_in(site.mailbox.wait_for(email)[0])
    page.goto(links["confirm"])
    page.click(f"button:text-is('{t(language, 'Confirm my signature')}')")
    v.inspect("confirm-done")
    page.goto(links["manage"])
    assert page.locator("a[href='receipt/']").count() == 0
    v.inspect("manage-before-checkpoint")

    log_tick(site)
    page.goto(links["manage"])
    assert page.locator("a[href='receipt/']").inner_text() == t(language, "Download my receipt")
    v.inspect("manage-receipt")
    receipt = page.request.get(links["manage"] + "receipt/").text()
    assert receipt.startswith("undersigned receipt v1\n")

    page.goto(f"{site.url}/{language}/{SLUG}/")
    assert page.locator(".count .log a", has_text=t(language, "The checkpoint")).count() == 1
    v.inspect("statement-checkpoint")
    page.click(f"a:text-is('{t(language, 'Check a receipt')}')")
    page.wait_for_url(re.compile(rf"/log/{SLUG}/receipt/$"))
    v.inspect("receipt-form")
    page.fill("#receipt", receipt)
    page.click(f"button:text-is('{t(language, 'Check')}')")
    assert page.locator(".result").count() == 1, page.locator("main").inner_text()
    assert page.locator(".result h2").inner_text() == t(language, "The receipt checks out")
    assert t(language, "Your signature counts.") in page.locator(".result").inner_text()
    v.inspect("receipt-checked")
    page.fill("#receipt", receipt.replace(receipt.split("\n")[3], "c2VjcmV0"))
    page.click(f"button:text-is('{t(language, 'Check')}')")
    assert page.locator("[role=alert] h2").inner_text() == t(
        language, "The receipt does not check out"
    )
    v.inspect("receipt-refused")
    v.validate_html()
