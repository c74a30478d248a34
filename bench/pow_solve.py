"""How long the proof-of-work takes in a real browser, from page load to a solved challenge.

    python bench/pow_solve.py            # 20 page loads in headless Chromium
    python bench/pow_solve.py --loads 50
    python bench/pow_solve.py --max-number 1000000   # what a higher difficulty would cost

Starts the real site (`undersigned serve` + worker, as the tests do), opens the statement
page in Debian's Chromium N times, each in a fresh context (no cache), and measures the time
from navigation start until pow.js has put the solved payload in the form. Prints the median,
p90 and maximum in milliseconds, and the challenge's maxNumber (the server-side difficulty).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# This process only starts the site; its own settings must not touch a real data folder.
os.environ.setdefault("UNDERSIGNED_DATA_DIR", tempfile.mkdtemp(prefix="undersigned-pow-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
django.setup()

from undersigned.test import RELAXED_LIMITS, LiveSite, Mailbox  # noqa: E402

SLUG = "solidarity-against-war"
SOLVED = "() => { const f = document.querySelector('input[name$=altcha]'); return f && f.value; }"


def measure(url: str, loads: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _ in range(loads):
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            page.wait_for_function(SOLVED, timeout=60_000)
            times.append(float(page.evaluate("performance.now()")))
            context.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument(
        "--max-number", type=int, help="POW_MAX_NUMBER to try (default: the site's setting)"
    )
    args = parser.parse_args()
    mailbox = Mailbox().start()
    env = dict(RELAXED_LIMITS)
    if args.max_number:
        env["POW_MAX_NUMBER"] = str(args.max_number)
    site = LiveSite(mailbox, extra_env=env).prepare()
    site.start()
    try:
        with urllib.request.urlopen(f"{site.url}/pow/{SLUG}.json") as answer:  # noqa: S310
            max_number = json.load(answer)["maxNumber"]
        times = sorted(measure(f"{site.url}/en/{SLUG}/", args.loads))
    finally:
        site.stop()
        mailbox.stop()
    p90 = times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]
    print(
        f"proof-of-work, page load to solved, {len(times)} loads, maxNumber {max_number}: "
        f"median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, max {times[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
