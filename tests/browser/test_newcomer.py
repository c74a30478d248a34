"""Issue 13's newcomer findings on the public side, in Chromium at 360 and 1280 px: every
text-like input styled alike, the endorsement's errors summarised where a phone shows them,
and the new pages (errors, manage, past the last page) checked by axe and the HTML checker."""

from __future__ import annotations

from typing import Any

import pytest

from undersigned.test import LiveSite, http, links_in

SLUG = "solidarity-against-war"
STYLE = """selector => {
  const s = getComputedStyle(document.querySelector(selector));
  return [s.paddingLeft, s.borderTopWidth, s.borderTopColor, s.borderTopStyle, s.fontSize,
          s.backgroundColor];
}"""


@pytest.mark.parametrize(
    "selector", ["#id_org-website", "#id_org-note", "input[type=url]", "textarea"]
)
def test_url_and_textarea_inputs_look_like_the_others(
    visit: Any, site: LiveSite, selector: str
) -> None:
    v = visit("en")
    v.page.goto(f"{site.url}/en/{SLUG}/")
    assert v.page.evaluate(STYLE, selector) == v.page.evaluate(STYLE, "#id_name")


def test_password_inputs_on_the_staff_login_look_like_the_others(
    visit: Any, site: LiveSite
) -> None:
    v = visit("en")
    v.page.goto(f"{site.url}/control/login/")
    assert v.page.evaluate(STYLE, "input[type=password]") == v.page.evaluate(
        STYLE, "input[name=username]"
    )


def test_endorsement_errors_show_at_the_top_on_a_phone(visit: Any, site: LiveSite) -> None:
    v = visit("uk")
    page = v.page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{site.url}/uk/{SLUG}/")
    page.fill("#id_org-name", "Х")
    page.click("form[action$='/endorse/'] button[type=submit]")
    page.wait_for_url(f"**/uk/{SLUG}/endorse/")
    summary = page.locator("#endorse-errors-h")
    assert summary.inner_text() == "Вашу підтримку ще не надіслано. Будь ласка, виправте:"
    box = summary.bounding_box()
    assert box is not None and box["y"] < 740, f"the summary is {box} from the top"
    page.locator(".form-errors a").first.click()
    assert page.evaluate("document.activeElement.id").startswith("id_org-")
    v.inspect("endorse-errors")
    v.validate_html()


def test_error_pages_are_styled_in_the_visitors_language(visit: Any, site: LiveSite) -> None:
    v = visit("ru")
    response = v.page.goto(f"{site.url}/ru/{SLUG}/no-such-page/")
    assert response is not None and response.status == 404
    assert v.page.locator("h1").inner_text() == "Страница не найдена"
    v.inspect("not-found")
    response = v.page.goto(f"{site.url}/ru/{SLUG}/sign/")
    assert response is not None and response.status == 405
    assert v.page.locator("h1").inner_text() == "Эту страницу нельзя открыть так"
    v.inspect("method-not-allowed")
    v.validate_html()


def test_manage_page_and_a_page_past_the_end(visit: Any, site: LiveSite) -> None:
    form = {"name": "Shown Signer", "email": "shown@example.org", "country": "UA"}
    answer = http("POST", f"{site.url}/en/{SLUG}/sign/", {**form, "visibility": "2"})
    assert answer.status == 302
    links = links_in(site.mailbox.wait_for("shown@example.org")[0])
    assert http("POST", links["confirm"], {}).status == 200
    v = visit("uk")
    v.page.goto(links["manage"].replace("/en/", "/uk/"))
    assert "Лише моє ім’я" in v.page.locator(".current").inner_text()
    v.inspect("manage")
    v.page.goto(f"{site.url}/uk/{SLUG}/?page=9")
    assert "Сторінки 9 немає" in v.page.locator(".signers").inner_text()
    v.inspect("past-the-end")
    v.validate_html()
