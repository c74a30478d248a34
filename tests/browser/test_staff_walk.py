"""Every staff page, for each of the four personas, in Chromium on the real server with
the site's real headers: axe-core finds nothing at 360 and 1280 px, no page is wider than
a 360-px screen, the Nu checker finds no error, and each act works as a person does it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.staff import (
    SLUG,
    check,
    log_in,
    logged_in_staff,
    new_staff,
    shell,
)
from undersigned.test import LiveSite

MODERATOR_PAGES = [
    "/control/",
    "/control/endorsements/",
    "/control/quarantine/",
    "/control/invalidations/",
    "/control/trending/",
    "/control/witnesses/",
    "/control/password/",
]
ORGANISER_PAGES = [
    "/control/statements/",
    "/control/upload/",
    f"/control/statements/{SLUG}/",
    "/control/blocklist/",
    "/control/audit/",
]

SETUP = f"""
import datetime as dt
from django.conf import settings
from django.utils import timezone
from undersigned.lib import sealing
from undersigned.statements.models import Signature, Statement, TrendingSource
from undersigned.test import make_endorsement
s = Statement.objects.get(slug='{SLUG}')
e = [make_endorsement(s, name=n, website=f'https://{{n.lower()}}.example/',
     email=f'c@{{n.lower()}}.example').pk for n in ('Alpha', 'Beta', 'Gamma', 'Delta', 'Eps')]
for i in range(3):
    q, _m = Signature.sign(s, language='en', name='Held', email=f'held{{i}}@example.org',
        country='UA', quarantined=True, quarantine_reasons='burst,disposable')
    q.confirm()
for i in range(4):
    b, _m = Signature.sign(s, language='en', name='Bot', email=f'b{{i}}@bots.example',
        country='UA', domain_digest=sealing.domain_digest(settings.DEDUP_KEY, 'bots.example'))
    b.confirm()
TrendingSource.objects.create(statement=s, kind='client', digest='f' * 32, signatures=40,
    hour=timezone.now().replace(minute=0, second=0, microsecond=0))
print(*e)
"""
NEW = """---
slug: workers-for-peace
language: en
title: "Workers for peace"
demands:
  - "Stop the shelling of power stations"
goal: 300
---
We, workers of many countries, ask for peace.
"""


@pytest.fixture(scope="module")
def endorsements(site: LiveSite) -> list[str]:
    return shell(site, SETUP).split()


def test_anonymous_visitors_are_sent_to_the_login_page(visit: Any, site: LiveSite) -> None:
    v = visit("en")
    page = v.page
    for url in MODERATOR_PAGES + ORGANISER_PAGES:
        page.goto(f"{site.url}{url}")
        assert page.url.startswith(f"{site.url}/control/login/?next="), url
    check(v, "login")
    v.validate_html()


def test_staff_without_a_second_factor_are_sent_to_set_it_up(visit: Any, site: LiveSite) -> None:
    v = visit("en")
    page = v.page
    log_in(page, site, new_staff(site, "nina@example.org"))
    for url in MODERATOR_PAGES + ORGANISER_PAGES:
        page.goto(f"{site.url}{url}")
        assert page.url == f"{site.url}/control/two-factor/", url
    check(v, "two-factor")
    v.validate_html()


def test_a_moderator_walks_every_page_and_acts(
    visit: Any, site: LiveSite, endorsements: list[str]
) -> None:
    v = visit("en")
    page = v.page
    logged_in_staff(page, site, "max@example.org", moderator=True)
    for url in MODERATOR_PAGES:
        page.goto(f"{site.url}{url}")
        check(v, url.strip("/").replace("/", "-") or "home")
    for url in ORGANISER_PAGES:
        assert page.goto(f"{site.url}{url}").status == 403, url
    decide_each_way(v, site, endorsements)
    release(v, site)
    invalidate_and_undo(v, site)
    v.validate_html()


def test_an_organiser_walks_every_page_and_acts(
    visit: Any, site: LiveSite, endorsements: list[str], tmp_path: Path
) -> None:
    v = visit("en")
    page = v.page
    logged_in_staff(page, site, "olga@example.org")
    for url in MODERATOR_PAGES + ORGANISER_PAGES:
        page.goto(f"{site.url}{url}")
        check(v, "org-" + (url.strip("/").replace("/", "-") or "home"))
    upload_and_publish(v, site, tmp_path)
    block_and_unblock(v, site)
    page.goto(f"{site.url}/control/audit/")
    assert page.locator("main tbody tr").count() > 5
    check(v, "audit-after")
    v.validate_html()


def message(page: Any) -> str:
    return str(page.locator("[role=status] .message").first.inner_text())


def decide_each_way(v: Any, site: LiveSite, pks: list[str]) -> None:
    page = v.page
    for pk, label, reason in (
        (pks[0], "Approve", ""),
        (pks[1], "Reject", "Not an organisation"),
        (pks[2], "Ask for more information", "Who runs it?"),
    ):
        page.goto(f"{site.url}/control/endorsements/{pk}/")
        if pk == pks[0]:
            check(v, "endorsement")
        page.get_by_label(label, exact=True).check()
        if reason:
            page.fill("#id_reason", reason)
        page.click("main button:text-is('Apply')")
        page.wait_for_url(f"{site.url}/control/endorsements/")
        assert message(page) == "Done."
    page.check(f"#pick-{pks[3]}")
    page.check(f"#pick-{pks[4]}")
    page.get_by_label("Approve", exact=True).check()
    page.click("main button:text-is('Apply')")
    page.wait_for_load_state("load")
    assert message(page) == "2 endorsements done."
    check(v, "queue-after")


def release(v: Any, site: LiveSite) -> None:
    page = v.page
    page.goto(f"{site.url}/control/quarantine/")
    assert page.get_by_text("burst,disposable").count() == 3
    page.locator("main tbody button").first.click()
    page.wait_for_load_state("load")
    assert message(page) == "1 signature(s) released."
    for box in page.locator("main tbody input[type=checkbox]").all():
        box.check()
    page.click("main button:text-is('Release the selected')")
    page.wait_for_load_state("load")
    assert message(page) == "2 signature(s) released."
    check(v, "quarantine-after")


def invalidate_and_undo(v: Any, site: LiveSite) -> None:
    page = v.page
    page.goto(f"{site.url}/control/trending/")
    page.click("main a:text-is('Invalidate…')")
    page.wait_for_load_state("load")
    assert page.input_value("#id_source") == "f" * 32
    page.fill("#id_source", "")
    page.fill("#id_since", "")
    page.fill("#id_domain", "bots.example")
    page.fill("#id_reason", "flood from one domain")
    page.click("main button:text-is('Dry run')")
    page.wait_for_load_state("load")
    assert "Dry run: 4 signature(s) would be invalidated; 4 of them count now." in message(page)
    check(v, "invalidate-dry-run")
    page.click("main button:text-is('Invalidate them')")
    page.wait_for_load_state("load")
    assert re.match(
        r"Batch \d+: 4 signature\(s\) invalidated; the count fell by 4\.", message(page)
    )
    page.click("main button:text-is('Undo')")
    page.wait_for_load_state("load")
    assert re.match(r"Batch \d+ undone: 4 signature\(s\) restored\.", message(page))
    check(v, "invalidations-after")


def upload_and_publish(v: Any, site: LiveSite, folder: Path) -> None:
    page = v.page
    (folder / "statement.md").write_text(NEW, encoding="utf-8")
    (folder / "broken.md").write_text(NEW.replace("goal: 300", "goal: lots"), encoding="utf-8")
    key = (site.root / "data" / "keys" / "organisers.pub").read_text().strip()
    page.goto(f"{site.url}/control/upload/")
    page.set_input_files("#id_markdown", str(folder / "broken.md"))
    page.click("main button:text-is('Upload')")
    page.wait_for_load_state("load")
    assert "broken.md, line 7: 'goal' must be a positive number" in page.inner_text("main")
    check(v, "upload-error")
    page.set_input_files("#id_markdown", str(folder / "statement.md"))
    page.fill("#id_public_key", key)
    page.click("main button:text-is('Upload')")
    page.wait_for_url(f"{site.url}/control/statements/workers-for-peace/")
    assert message(page).startswith("Created. New text versions: en v1.")
    check(v, "statement-draft")
    (folder / "statement.md").write_text(NEW.replace("ask for", "demand"), encoding="utf-8")
    page.goto(f"{site.url}/control/upload/")
    page.set_input_files("#id_markdown", str(folder / "statement.md"))
    page.click("main button:text-is('Upload')")
    page.wait_for_url(f"{site.url}/control/statements/workers-for-peace/")
    assert message(page).startswith("Updated. New text versions: en v2.")
    page.click("main a:text-is('version 2')")
    page.wait_for_load_state("load")
    assert (
        page.locator("pre.diff ins").inner_text() == "+We, workers of many countries, demand peace."
    )
    check(v, "version-diff")
    page.goto(f"{site.url}/control/statements/workers-for-peace/")
    page.click("main a:text-is('Founding invitations')")
    page.fill("#id_label", "Miners' Union")
    page.click("main button:text-is('Create an invitation link')")
    page.wait_for_load_state("load")
    assert "/en/invite/" in page.inner_text("main")
    check(v, "invites")
    page.goto(f"{site.url}/control/statements/workers-for-peace/")
    page.click("main button:text-is('Publish')")
    page.wait_for_load_state("load")
    assert message(page) == "Published."
    page.goto(f"{site.url}/en/workers-for-peace/")
    assert page.locator("h1").inner_text() == "Workers for peace"


def block_and_unblock(v: Any, site: LiveSite) -> None:
    page = v.page
    page.goto(f"{site.url}/control/blocklist/")
    page.select_option("#id_kind", "domain")
    page.fill("#id_value", "@Spam.Example")
    page.click("main button:text-is('Add to the block list')")
    page.wait_for_load_state("load")
    assert message(page) == "Added to the block list."
    assert "spam.example" in page.inner_text("main tbody")
    check(v, "blocklist-after")
    page.click("main tbody button:text-is('Remove')")
    page.wait_for_load_state("load")
    assert message(page) == "Removed from the block list."
