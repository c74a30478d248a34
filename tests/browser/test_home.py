"""The home page lists the statements when there is more than one."""

from __future__ import annotations

from typing import Any

from undersigned.test import LiveSite

SECOND = (
    "from undersigned.test import make_statement; "
    "make_statement('second-statement', languages=('uk', 'en'))"
)


def test_the_home_page_lists_statements_in_their_own_language(visit: Any, site: LiveSite) -> None:
    site.cli("shell", "-c", SECOND)
    v = visit("uk")
    page = v.page
    page.goto(f"{site.url}/")
    assert page.url == f"{site.url}/uk/"
    assert page.locator("main li a[lang=uk]").count() == 2
    v.inspect("home")
    page.goto(f"{site.url}/uk/second-statement/")
    assert page.locator("article").get_attribute("lang") == "uk"
    v.inspect("second-statement")
    v.validate_html()
