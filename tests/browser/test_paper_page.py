"""An organiser adds typed-up paper sheets in Chromium: a file with a bad row is refused
whole and names the line, the fixed file is added, and the batch is undone; on the real
server, with the site's real headers, staff log-in with TOTP, axe at 360 and 1280 px."""

from __future__ import annotations

from typing import Any

from tests.browser.staff import SLUG, check, logged_in_staff, shell
from undersigned.test import LiveSite

HEADER = "sheet,name,email,country,city,affiliation,visibility,signed_on\n"
GOOD = (
    "0001,Olena Bondar,olena@example.org,UA,Kharkiv,Teachers,1,2026-11-30\n"
    "0001,Ivan Petrov,,UA,,,4,\n"
    "0002,Maria Novak,maria@example.org,PL,,,3,\n"
)
BAD = GOOD.replace("0001,Olena Bondar,", "0001,,").replace(
    "0002,Maria Novak,maria@example.org,PL", "0002,Maria Novak,maria@,XX"
)
ROWS = (
    "from undersigned.statements.models import PaperSignature, PaperBatch; "
    "print(PaperSignature.objects.count(), PaperBatch.objects.count())"
)


def upload(page: Any, text: str) -> None:
    page.set_input_files(
        "#id_sheets",
        files=[{"name": "sheets.csv", "mimeType": "text/csv", "buffer": text.encode()}],
    )
    page.click("main button:text-is('Check and add them')")
    page.wait_for_load_state("load")


def test_an_organiser_adds_paper_sheets_and_undoes_the_batch(visit: Any, site: LiveSite) -> None:
    v = visit("en")
    page = v.page
    logged_in_staff(page, site, "olga@example.org")
    page.goto(f"{site.url}/control/statements/{SLUG}/paper/")
    check(v, "paper")

    upload(page, HEADER + BAD)
    alert = page.locator("main .form-errors[role=alert]").inner_text()
    assert "2 bad rows; nothing was imported." in alert
    assert "line 2: name is empty" in alert
    assert "line 4: XX is not a country code; maria@ is not an email address" in alert
    assert shell(site, ROWS) == "0 0", "a file with a bad row changes nothing"
    check(v, "paper-bad-file")

    upload(page, HEADER + GOOD)
    assert page.url == f"{site.url}/control/statements/{SLUG}/paper/"
    status = page.locator("[role=status] .message").inner_text()
    assert status == "3 paper signature(s) added from sheets 0001–0002; 0 already signed."
    assert shell(site, ROWS) == "3 1"
    check(v, "paper-added")

    page.click("main button:text-is('Undo this batch')")
    page.wait_for_load_state("load")
    assert page.locator("[role=status] .message").inner_text() == "3 paper signature(s) removed."
    assert "undone by olga@example.org" in page.locator("main table").inner_text()
    assert shell(site, ROWS) == "0 1"
    check(v, "paper-undone")
    v.validate_html()


ISSUE = (
    "from django.conf import settings; from undersigned.lib import sourcetags; "
    "print(sourcetags.issue(settings.SECRET_KEY, 'picket-kyiv'))"
)
SOURCES = (
    "from undersigned.statements.models import SourceCount; "
    "print(*SourceCount.objects.values_list('tag', 'signatures'))"
)


def test_a_signer_from_a_flyer_shows_in_the_trending_report(visit: Any, site: LiveSite) -> None:
    """Through the real response cache: the flyer's page carries its tag, a made-up one
    gets the plain page, and staff see the signature under the tag."""
    src = shell(site, ISSUE)
    reader = visit("en").page
    reader.goto(f"{site.url}/en/{SLUG}/?src=picket-kyiv.aaaaaaaa")
    assert reader.locator("input[name=src]").count() == 0
    v = visit("en")
    page = v.page
    page.goto(f"{site.url}/en/{SLUG}/?src={src}")
    assert page.locator("input[name=src]").get_attribute("value") == src
    v.inspect("statement-from-flyer")
    page.fill("#id_name", "Flyer Reader")
    page.fill("#id_email", "flyer-reader@example.org")
    page.select_option("#id_country", "UA")
    page.check("#id_visibility_0")
    page.click("form[data-pow] button:text-is('Sign')")
    page.wait_for_url(f"{site.url}/en/{SLUG}/thanks/")
    v.validate_html()
    assert shell(site, SOURCES) == "('picket-kyiv', 1)"
    staff = visit("en")
    logged_in_staff(staff.page, site, "tess@example.org", moderator=True)
    staff.page.goto(f"{site.url}/control/trending/")
    table = staff.page.locator("table[aria-labelledby=sources-h]").inner_text()
    assert "picket-kyiv" in table and "solidarity-against-war" in table
    check(staff, "trending")
    staff.validate_html()
