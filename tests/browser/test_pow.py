"""Our own proof-of-work solver, in a real browser: a signer with JavaScript passes the
check without noticing; without JavaScript the form still works (then the no-JavaScript
allowance applies, here set to zero so the difference shows)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from undersigned.test import RELAXED_LIMITS, LiveSite, Mailbox

SLUG = "solidarity-against-war"


@pytest.fixture(scope="module")
def site() -> Iterator[LiveSite]:
    mailbox = Mailbox().start()
    live = LiveSite(
        mailbox,
        extra_env={**RELAXED_LIMITS, "SIGN_NO_POW_PER_DAY": "0"},
    ).prepare()
    live.start()
    yield live
    live.stop()
    mailbox.stop()


def last_reasons(site: LiveSite) -> str:
    out = site.cli(
        "shell",
        "-c",
        "from undersigned.statements.models import Signature; import json; "
        "print(json.dumps(Signature.objects.order_by('-pk')[0].quarantine_reasons))",
    )
    return str(json.loads(out.strip().splitlines()[-1]))


def sign(page: Any, email: str) -> None:
    page.fill("#id_name", "Solver Test")
    page.fill("#id_email", email)
    page.select_option("#id_country", "UA")
    # Pressed at once: if the solver is still working, the page waits for it.
    page.click("form[data-pow] button[type=submit] >> nth=0")
    page.wait_for_url(f"**/{SLUG}/thanks/", timeout=30_000)


def test_with_javascript_the_worker_solves_the_challenge(visit: Any, site: LiveSite) -> None:
    v = visit("en")
    v.page.goto(f"{site.url}/en/{SLUG}/")
    sign(v.page, "solver@example.org")
    assert last_reasons(site) == ""
    assert any(url.endswith(f"/pow/{SLUG}.json") for url in v.requests)
    assert any(url.endswith("/static/undersigned/pow-worker.js") for url in v.requests)


def test_without_javascript_the_form_still_works(visit: Any, site: LiveSite) -> None:
    v = visit("en", javascript=False)
    v.page.goto(f"{site.url}/en/{SLUG}/")
    sign(v.page, "nojs@example.org")
    assert last_reasons(site) == "nopow"


SOLVE_IN_WORKER = """async ([challenge, salt, max]) => {
  const worker = new Worker("/static/undersigned/pow-worker.js");
  const started = performance.now();
  const number = await new Promise(resolve => {
    worker.onmessage = event => resolve(event.data.number);
    worker.postMessage({algorithm: "SHA-256", challenge, salt, maxNumber: max});
  });
  worker.terminate();
  return [number, performance.now() - started];
}"""
# What the worker used to do per number: await one crypto.subtle digest.
AWAIT_DIGESTS = """async count => {
  const encoder = new TextEncoder(), started = performance.now();
  for (let n = 0; n < count; n++) await crypto.subtle.digest("SHA-256", encoder.encode("s" + n));
  return performance.now() - started;
}"""


def solve_in_browser(page: Any, salt: str, number: int) -> tuple[int, float]:
    challenge = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
    found, elapsed = page.evaluate(SOLVE_IN_WORKER, [challenge, salt, number + 1])
    return int(found), float(elapsed)


@pytest.mark.parametrize("salt_length", [0, 26, 60, 130])
def test_the_worker_finds_the_number_whatever_the_salt(
    visit: Any, site: LiveSite, salt_length: int
) -> None:
    """Salts of one, two and three SHA-256 blocks (the digits may cross a block)."""
    v = visit("en")
    v.page.goto(f"{site.url}/en/{SLUG}/")
    salt = ("0123456789abcdef?expires=1&s=1" * 5)[:salt_length]
    for number in (0, 7, 12_345):
        assert solve_in_browser(v.page, salt, number)[0] == number


def test_the_worker_solves_three_times_the_difficulty_faster_than_awaiting_one(
    visit: Any, site: LiveSite
) -> None:
    """300,000 numbers in the worker take less time than awaiting 100,000 crypto.subtle
    digests, which is what the worker did before (about 10 s after page load on a busy
    machine). Compared in the same browser at the same moment, so a loaded machine slows
    both alike."""
    v = visit("en")
    v.page.goto(f"{site.url}/en/{SLUG}/")
    found, solving = solve_in_browser(v.page, "0123456789abcdef?expires=1&s=1", 299_999)
    awaiting = float(v.page.evaluate(AWAIT_DIGESTS, 100_000))
    assert found == 299_999
    assert solving < awaiting, f"solving {solving:.0f} ms, awaiting {awaiting:.0f} ms"
