"""Signing through the onion listener in Chromium, against `undersigned serve` with
ONION_LISTEN: with JavaScript the harder onion proof-of-work admits the signer, without it
the waiting step does; the ordinary port with the onion host name stays ordinary
(issue 19, item 2). Chromium maps the onion name to 127.0.0.1, as tor would hand it on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, Visit
from tests.browser.staff import SLUG, shell
from undersigned.test import LiveSite, Mailbox, free_port, http, wait_for_port

ONION = "undersignedtestabcdefghijklmnopqrstuvwxyz234567abcdefghij.onion"
WAIT = 3
REASONS = (
    "import json; from undersigned.statements.models import Signature; "
    "print(json.dumps(dict(Signature.objects.values_list('public_name', 'quarantine_reasons'))))"
)


@pytest.fixture(scope="module")
def onion_site() -> Iterator[tuple[LiveSite, str]]:
    mailbox = Mailbox().start()
    port = free_port()
    env = {
        "ONION_ADDRESS": ONION,
        "ONION_LISTEN": f"127.0.0.1:{port}",
        "ONION_POW_MAX_NUMBER": "20000",
        "ONION_WAIT_SECONDS": str(WAIT),
        "SIGN_MIN_FILL_SECONDS": "0",
    }
    live = LiveSite(mailbox, extra_env=env).prepare()
    live.start()
    wait_for_port(port)
    yield live, f"http://{ONION}:{port}"
    live.stop()
    mailbox.stop()


@pytest.fixture(scope="module")
def tor_browser(browser: Any, onion_site: tuple[LiveSite, str]) -> Iterator[Any]:
    """Chromium as Tor Browser: the onion name leads to the listener, and an onion address
    is a secure context (Tor Browser's rule; pow.js needs crypto.subtle). Launched through
    the session's Playwright, since one thread may run only one."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--host-resolver-rules=MAP {ONION} 127.0.0.1",
            f"--unsafely-treat-insecure-origin-as-secure={onion_site[1]}",
        ],
    )
    yield chromium
    chromium.close()


def through_tor(onion: str) -> Any:
    """What Visit checks same-origin against: the onion address the browser uses."""
    return SimpleNamespace(url=onion)


def sign(v: Visit, onion: str, name: str, *, wait: float = 0) -> None:
    page = v.page
    page.goto(f"{onion}/en/{SLUG}/")
    page.fill("#id_name", name)
    page.fill("#id_email", f"{name.split()[0].lower()}@example.org")
    page.select_option("#id_country", "RU")
    page.check("#id_visibility_0")
    page.wait_for_timeout(wait * 1000)
    page.click("button:text-is('Sign')")
    page.wait_for_url(re.compile(rf"/en/{SLUG}/thanks/"), timeout=60_000)


def test_onion_signers_are_admitted_by_proof_or_by_waiting(
    onion_site: tuple[LiveSite, str], tor_browser: Any
) -> None:
    site, onion = onion_site
    # The ordinary port: an onion Host header changes nothing there.
    ordinary = json.loads(http("GET", f"{site.url}/pow/{SLUG}.json", headers={"Host": ONION}).body)
    assert ordinary["maxNumber"] == 100_000
    listener = onion.replace(ONION, "127.0.0.1")
    through = json.loads(http("GET", f"{listener}/pow/{SLUG}.json", headers={"Host": ONION}).body)
    assert through["maxNumber"] == 20_000 and "o=1" in through["salt"]

    with_js = Visit(through_tor(onion), tor_browser.new_context(), "onion-js")
    sign(with_js, onion, "Proof Signer")
    with_js.inspect("thanks")
    no_js = tor_browser.new_context(java_script_enabled=False)
    without = Visit(through_tor(onion), no_js, "onion-nojs", javascript=False)
    without.page.goto(f"{onion}/en/{SLUG}/")
    assert f"at least {WAIT} seconds" in without.page.locator("form noscript").inner_text()
    without.inspect("statement")
    sign(without, onion, "Patient Signer", wait=WAIT + 1)
    sign(without, onion, "Hasty Signer")
    assert json.loads(shell(site, REASONS)) == {
        "Proof Signer": "",
        "Patient Signer": "",
        "Hasty Signer": "wait-early",
    }
    without.validate_html()
