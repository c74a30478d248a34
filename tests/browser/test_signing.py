"""Read, sign, get the email, confirm, withdraw: in each language, by mouse, by keyboard and
without JavaScript, in headless Chromium against the real server, worker and SMTP."""

from __future__ import annotations

import itertools
import re
from email.header import decode_header, make_header
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from undersigned.test import LiveSite, links_in

SLUG = "solidarity-against-war"
TITLES = {
    "en": "No to War: Solidarity with Ukraine and with Russians Who Resist",
    "uk": "Ні війні: солідарність з Україною та з росіянами, які чинять опір",
}
_serial = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def counts_that_may_be_shown(site: LiveSite) -> None:
    """A count below SUPPRESS_BELOW reads "fewer than 10" (P9, issue 15): start above it, so
    the page shows the figure these tests watch move."""
    site.cli(
        "shell",
        "-c",
        "from undersigned.statements.models import Statement; "
        "from undersigned.public.tests.signers import add_signatures; "
        f"add_signatures(Statement.objects.get(slug='{SLUG}'), 20, country='UA')",
    )


def t(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def address(language: str) -> str:
    return f"signer-{language}-{next(_serial)}@example.org"


def fill_form(page: Any, language: str, email: str) -> None:
    page.fill("#id_name", f"Test Signer {language}")
    page.fill("#id_email", email)
    page.select_option("#id_country", "UA")
    page.check("#id_visibility_0")


def counted(page: Any) -> int:
    return int(re.sub(r"\D", "", page.locator(".count .number strong").inner_text()))


def wait_for_count(page: Any, url: str, expected: int) -> None:
    """Counts are cached for a few seconds (P2 allows it): reload until they catch up."""
    for _ in range(40):
        page.goto(url)
        if counted(page) == expected:
            return
        page.wait_for_timeout(250)
    assert counted(page) == expected


@pytest.mark.parametrize("language", ["en", "uk", "ru"])
def test_read_sign_confirm_withdraw(visit: Any, site: LiveSite, language: str) -> None:
    v = visit(language)
    page = v.page
    page.goto(f"{site.url}/{SLUG}/")
    assert page.url == f"{site.url}/{language}/{SLUG}/", "Accept-Language picks the prefix"
    assert page.locator("html").get_attribute("lang") == language
    v.inspect("statement")
    before = counted(page)

    page.click(f"button:text-is('{t(language, 'Sign')}')")
    page.wait_for_url(re.compile(rf"/{language}/{SLUG}/sign/"))
    assert page.locator("#id_name").get_attribute("aria-invalid") == "true"
    v.inspect("statement-errors")

    email = address(language)
    fill_form(page, language, email)
    page.click(f"button:text-is('{t(language, 'Sign')}')")
    page.wait_for_url(f"{site.url}/{language}/{SLUG}/thanks/")
    assert page.locator("h1").inner_text() == t(language, "Check your email")
    v.inspect("thanks")

    (message,) = site.mailbox.wait_for(email)
    assert message["Content-Language"] == language
    links = links_in(message)
    assert links["confirm"].startswith(f"{site.url}/{language}/confirm/")
    page.goto(links["confirm"])
    assert page.locator(".what cite").get_attribute("lang") == language
    v.inspect("confirm")
    page.click(f"button:text-is('{t(language, 'Confirm my signature')}')")
    assert page.locator("h1").inner_text() == t(language, "Thank you: your signature is confirmed")
    v.inspect("confirm-done")
    page.goto(links["confirm"])
    assert page.locator("h1").inner_text() == t(language, "Already done")
    v.inspect("confirm-already")

    wait_for_count(page, f"{site.url}/{language}/{SLUG}/", before + 1)
    assert f"Test Signer {language}" in page.locator(".signers").inner_text()
    v.inspect("statement-signed")

    page.goto(links["manage"])
    v.inspect("manage")
    page.click(f"button:text-is('{t(language, 'Withdraw my signature')}')")
    assert page.locator("h1").inner_text() == t(language, "Your signature is withdrawn")
    v.inspect("withdrawn")
    wait_for_count(page, f"{site.url}/{language}/{SLUG}/", before)
    assert f"Test Signer {language}" not in page.locator(".signers").inner_text()

    page.goto(f"{site.url}/{language}/confirm/{'x' * 32}/")
    assert page.locator("h1").inner_text() == t(language, "This link does not work")
    v.inspect("link-invalid")
    v.validate_html()


def test_the_email_is_in_the_language_of_the_page_the_signer_used(
    visit: Any, site: LiveSite
) -> None:
    page = visit("en").page
    page.goto(f"{site.url}/uk/{SLUG}/")
    email = address("uk")
    fill_form(page, "uk", email)
    page.click(f"button:text-is('{t('uk', 'Sign')}')")
    page.wait_for_url(f"{site.url}/uk/{SLUG}/thanks/")
    (message,) = site.mailbox.wait_for(email)
    with translation.override("uk"):
        subject = gettext("Confirm your signature: %(title)s") % {"title": TITLES["uk"]}
    assert str(make_header(decode_header(message["Subject"]))) == subject
    assert message["Content-Language"] == "uk"
    assert links_in(message)["manage"].startswith(f"{site.url}/uk/manage/")


def test_signing_works_without_javascript(visit: Any, site: LiveSite) -> None:
    v = visit("ru", javascript=False)
    page = v.page
    page.goto(f"{site.url}/ru/{SLUG}/")
    page.click(f"button:text-is('{t('ru', 'Sign')}')")
    assert page.locator(".form-errors").is_visible()
    v.inspect("statement-errors")
    email = address("ru")
    fill_form(page, "ru", email)
    page.click(f"button:text-is('{t('ru', 'Sign')}')")
    page.wait_for_url(f"{site.url}/ru/{SLUG}/thanks/")
    v.inspect("thanks")
    links = links_in(site.mailbox.wait_for(email)[0])
    page.goto(links["confirm"])
    page.click(f"button:text-is('{t('ru', 'Confirm my signature')}')")
    assert page.locator("h1").inner_text() == t("ru", "Thank you: your signature is confirmed")
    v.inspect("confirm-done")
    page.goto(links["manage"])
    page.click(f"button:text-is('{t('ru', 'Withdraw my signature')}')")
    assert page.locator("h1").inner_text() == t("ru", "Your signature is withdrawn")
    v.validate_html()


FORM_ORDER = [
    "id_name",
    "id_email",
    "id_country",
    "id_city",
    "id_affiliation",
    "id_visibility_3",  # Tab enters a radio group at its checked button (the default)
    "id_consent",
]


def focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {id: e.id, tag: e.tagName, text: e.textContent.trim().slice(0, 40),
                outline: s.outlineStyle + ' ' + s.outlineWidth}; }"""
    )


def test_a_keyboard_alone_can_sign_in_a_sensible_order_with_visible_focus(
    visit: Any, site: LiveSite
) -> None:
    v = visit("uk")
    page = v.page
    page.goto(f"{site.url}/uk/{SLUG}/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["tag"] == "A" and first["text"] == t("uk", "Skip to content")
    for _ in range(80):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"].startswith("solid"), f"no visible focus on {now}"
        if now["id"] == "id_name":
            break
    else:
        pytest.fail("Tab never reached the name field")
    page.keyboard.type("Оксана Клавіатура")
    seen = ["id_name"]
    email = address("uk")
    for _ in FORM_ORDER[1:]:
        page.keyboard.press("Tab")
        here = focused(page)["id"]
        seen.append(here)
        if here == "id_email":
            page.keyboard.type(email)
        elif here == "id_country":
            # Type-ahead cannot be driven with Cyrillic key presses here: walk the list.
            for _ in range(300):
                page.keyboard.press("ArrowDown")
                if page.input_value("#id_country") == "UA":
                    break
        elif here == "id_visibility_3":
            page.keyboard.press("ArrowUp")
            assert page.is_checked("#id_visibility_2")
        elif here == "id_consent":
            page.keyboard.press("Space")
    assert seen == FORM_ORDER
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "BUTTON"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/uk/{SLUG}/thanks/")
    assert site.mailbox.wait_for(email)


def test_an_expired_link_says_so(visit: Any, site: LiveSite) -> None:
    v = visit("en")
    page = v.page
    page.goto(f"{site.url}/en/{SLUG}/")
    email = address("en")
    fill_form(page, "en", email)
    page.click("button:text-is('Sign')")
    page.wait_for_url(f"{site.url}/en/{SLUG}/thanks/")
    links = links_in(site.mailbox.wait_for(email)[0])
    site.cli(
        "shell",
        "-c",
        "import datetime as dt; from django.utils import timezone; "
        "from undersigned.statements.models import Signature; "
        "Signature.objects.filter(status='pending').update("
        "confirm_expires_at=timezone.now() - dt.timedelta(hours=1))",
    )
    page.goto(links["confirm"])
    assert page.locator("h1").inner_text() == "This link no longer works"
    v.inspect("link-expired")
    v.validate_html()
