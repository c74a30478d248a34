"""Sealing in the browser on the real site, as the server sees it: a middleware records
every request body the server receives (tests/browser/recording.py), and the canaries a
person keeps private are in none of them. The initials rule of seal.js keeps the shared
vectors of lib/visibility.py. Without JavaScript, the server seals, as before."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from tests.browser.conftest import ARTIFACTS, WIDTHS
from tests.browser.staff import SLUG, shell
from undersigned.lib.sealing import load_private_key, unseal
from undersigned.test import RELAXED_LIMITS, LiveSite, Mailbox

ROOT = Path(__file__).resolve().parents[2]
ENDORSE = "Endorse on behalf of the organisation"
SEALED = (
    "import base64; from undersigned.statements.models import {model}; "
    "row = {model}.objects.get({lookup}); "
    "print(base64.b64encode(bytes(row.sealed)).decode() + ' ' + row.{shown})"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """The live site with the recording middleware in front of everything."""
    log = tmp_path_factory.mktemp("bodies") / "bodies.jsonl"
    env = {
        **RELAXED_LIMITS,
        "DJANGO_SETTINGS_MODULE": "tests.browser.recording",
        "RECORD_BODIES_TO": str(log),
        "PYTHONPATH": str(ROOT),
    }
    mailbox = Mailbox().start()
    live = LiveSite(mailbox, extra_env=env).prepare()
    live.start()
    live.bodies = log  # type: ignore[attr-defined]
    yield live
    live.stop()
    mailbox.stop()


def received(site: LiveSite) -> str:
    """Every body the server has received so far, URL-decoded, and the log emptied."""
    log: Path = site.bodies  # type: ignore[attr-defined]
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    log.write_text("", encoding="utf-8")
    return "\n".join(unquote_plus(json.loads(line)["body"]) for line in lines)


def opened(site: LiveSite, model: str, lookup: str, shown: str) -> tuple[dict[str, Any], str]:
    box, _, public = shell(site, SEALED.format(model=model, lookup=lookup, shown=shown)).partition(
        " "
    )
    return unseal(load_private_key(site.private_key), base64.b64decode(box)), public


def sign_with_initials(page: Any, site: LiveSite, name: str, email: str) -> None:
    page.goto(f"{site.url}/en/{SLUG}/")
    page.fill("#id_name", name)
    page.fill("#id_email", email)
    page.select_option("#id_country", "BY")
    page.fill("#id_city", "Hrodna")
    page.check("#id_visibility_2")  # initials and country
    page.click("button:text-is('Sign')")
    page.wait_for_url(f"{site.url}/en/{SLUG}/thanks/")


def test_with_initials_the_full_name_stays_in_the_browser(visit: Any, site: LiveSite) -> None:
    v = visit("en")
    sent: list[str] = []
    v.context.on("request", lambda request: sent.append(unquote_plus(request.post_data or "")))
    received(site)
    sign_with_initials(v.page, site, "Kanareyka Initsialova", "initsialova@example.org")
    bodies = received(site)
    assert "initsialova@example.org" in bodies and "K.I." in bodies
    for text in (bodies, "\n".join(sent)):
        assert "Kanareyka" not in text and "Initsialova" not in text and "Hrodna" not in text
    record, public = opened(
        site, "Signature", "email_digest__isnull=False, visibility=3", "public_name"
    )
    assert public == "K.I."
    assert (record["name"], record["city"]) == ("Kanareyka Initsialova", "Hrodna")


def test_the_sealed_name_is_the_nfc_text_the_initials_were_made_from(
    visit: Any, site: LiveSite
) -> None:
    """A name typed with combining accents (as some keyboards send it) reaches the target
    in the composed form its initials were made from, not as other code points."""
    v = visit("en")
    sign_with_initials(v.page, site, "E\u0301milie Nfcova", "nfc@example.org")
    record, public = opened(site, "Signature", "public_name='\u00c9.N.'", "public_name")
    assert public == "\u00c9.N."
    assert record["name"] == "\u00c9milie Nfcova"


def test_without_javascript_the_server_makes_the_initials(visit: Any, site: LiveSite) -> None:
    v = visit("en", javascript=False)
    sign_with_initials(v.page, site, "Nojs Initsialova", "nojs@example.org")
    assert "Nojs Initsialova" in received(site)  # as before: the server seals
    record, public = opened(site, "Signature", "public_name='N.I.'", "public_name")
    assert record["name"] == "Nojs Initsialova" and record["email"] == "nojs@example.org"


def endorse(
    page: Any, site: LiveSite, organisation: str, *, contact: str, email: str, hidden: bool
) -> None:
    page.goto(f"{site.url}/en/{SLUG}/")
    page.fill("#id_org-name", organisation)
    page.select_option("#id_org-country", "RU")
    page.fill("#id_org-website", "https://union.example.org/")
    page.select_option("#id_org-kind", "union")
    page.fill("#id_org-contact_name", contact)
    page.fill("#id_org-contact_email", email)
    if hidden:
        page.check("#id_org-hidden")
    page.click(f"button:text-is('{ENDORSE}')")
    page.wait_for_url(re.compile(rf"/en/{SLUG}/thanks/\?organisation=1"))


def test_the_contact_person_stays_in_the_browser(visit: Any, site: LiveSite) -> None:
    v = visit("en")
    v.page.goto(f"{site.url}/en/{SLUG}/")
    form = v.page.locator("section.endorse")
    for width in WIDTHS:
        v.page.set_viewport_size({"width": width, "height": 800})
        form.screenshot(path=str(ARTIFACTS / f"endorse-form-{width}.png"))
    received(site)
    endorse(
        v.page,
        site,
        "Hidden Union",
        contact="Kanareyka Kontaktova",
        email="k@union.example.org",
        hidden=True,
    )
    bodies = received(site)
    assert "k@union.example.org" in bodies  # the link must reach the contact
    assert "Kanareyka" not in bodies and "Kontaktova" not in bodies
    # A hidden co-signer's name and website still reach the server: moderators verify
    # them in /control/ (SECURITY.md, "Organisations that endorse without being named").
    assert "Hidden Union" in bodies
    record, name = opened(site, "Endorsement", "name='Hidden Union'", "name")
    assert record["contact_name"] == "Kanareyka Kontaktova"
    assert (record["contact_email"], record["hidden"]) == ("k@union.example.org", True)
    assert site.mailbox.wait_for("k@union.example.org")


def test_without_javascript_endorsing_still_works(visit: Any, site: LiveSite) -> None:
    v = visit("en", javascript=False)
    endorse(
        v.page,
        site,
        "Open Union",
        contact="Nojs Kontaktova",
        email="nojs@union.example.org",
        hidden=False,
    )
    assert "Nojs Kontaktova" in received(site)  # as before: the server seals
    record, _name = opened(site, "Endorsement", "name='Open Union'", "name")
    assert record["contact_name"] == "Nojs Kontaktova"
    assert site.mailbox.wait_for("nojs@union.example.org")
