"""Issue 15 in Chromium: the embed framed by another origin, every other page refusing to
be framed, and the new pages (statistics, embed, share block, Mastodon form) clean for
axe-core and the Nu HTML Checker at 360 and 1280 px, with nothing from another origin."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS
from undersigned.test import LiveSite, free_port

SLUG = "solidarity-against-war"
SEED = f"""
import datetime as dt
from django.utils import timezone
from undersigned.statements.models import Statement
from undersigned.public.tests.signers import add_signatures
s = Statement.objects.get(slug="{SLUG}")
now = timezone.now()
for country, n, days in [("UA", 300, 6), ("DE", 40, 4), ("PL", 25, 2), ("FR", 3, 1), ("RU", 12, 3)]:
    for day in range(days):
        add_signatures(s, n // days, country=country, when=now - dt.timedelta(days=day, hours=2))
add_signatures(s, 5, country="UA", visibility=1, name="Olena", when=now)
"""


@pytest.fixture(scope="module")
def seeded(site: LiveSite) -> LiveSite:
    site.cli("shell", "-c", SEED)
    return site


@pytest.fixture
def other_origin(tmp_path: Path, seeded: LiveSite) -> Iterator[str]:
    """A page on another local origin that frames the embed and the statement page."""
    (tmp_path / "frames.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>frames</title></head>"
        f'<body><iframe id="embed" title="embed" src="{seeded.url}/embed/{SLUG}/" '
        'width="600" height="260"></iframe>'
        f'<iframe id="page" title="page" src="{seeded.url}/en/{SLUG}/" width="600" '
        'height="260"></iframe></body></html>'
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/frames.html"
    server.shutdown()
    server.server_close()


def test_another_origin_may_frame_the_embed_and_nothing_else(
    browser: Any, other_origin: str, seeded: LiveSite
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(other_origin)
    page.wait_for_load_state("load")
    embed = page.frame_locator("#embed")
    assert embed.locator("h1").inner_text().strip() != ""
    assert "signatures" in embed.locator(".number").inner_text()
    assert embed.locator("a.sign").get_attribute("target") == "_blank"
    framed = {f.url for f in page.frames}
    assert f"{seeded.url}/embed/{SLUG}/" in framed
    assert f"{seeded.url}/en/{SLUG}/" not in framed  # refused: Chromium shows its error page
    out = ARTIFACTS / "carry"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "framed-by-another-origin.png"), full_page=True)
    context.close()


def test_the_statistics_page(visit: Any, seeded: LiveSite) -> None:
    for language in ("en", "uk"):
        v = visit(language)
        v.page.goto(f"{seeded.url}/{language}/{SLUG}/statistics/")
        assert v.page.locator("figure.map img").evaluate("i => i.naturalWidth") > 0
        assert v.page.locator("figure.chart img").evaluate("i => i.naturalWidth") > 0
        v.inspect(f"statistics-{language}")
        v.validate_html()


def test_the_statistics_page_without_javascript(visit: Any, seeded: LiveSite) -> None:
    v = visit("ru", javascript=False)
    v.page.goto(f"{seeded.url}/ru/{SLUG}/statistics/")
    assert v.page.locator("table tbody tr").count() > 3
    v.inspect("statistics-nojs")
    v.validate_html()


def test_the_embed_page(visit: Any, seeded: LiveSite) -> None:
    v = visit("en")
    v.page.goto(f"{seeded.url}/embed/{SLUG}/?lang=uk")
    v.inspect("embed")
    v.validate_html()


def test_the_share_block_and_mastodon_form(visit: Any, seeded: LiveSite) -> None:
    v = visit("en")
    page = v.page
    page.goto(f"{seeded.url}/en/{SLUG}/thanks/")
    assert page.locator(".share-links a").count() >= 7
    assert page.locator(".share-copy-button").is_visible()  # share.js found a clipboard
    v.inspect("thanks-share")
    page.fill("#mastodon-instance", "mastodon.social")
    page.click(".share-mastodon button")
    page.wait_for_url("**/share/mastodon/?instance=mastodon.social")
    href = page.locator("a.button").get_attribute("href") or ""
    assert href.startswith("https://mastodon.social/share?text=")
    v.inspect("share-mastodon")
    v.validate_html()


def test_the_share_image_is_saved_to_look_at(browser: Any, seeded: LiveSite) -> None:
    context = browser.new_context()
    for language in ("en", "uk"):
        answer = context.request.get(f"{seeded.url}/{language}/{SLUG}/share.png")
        assert answer.status == 200 and answer.headers["content-type"] == "image/png"
        out = ARTIFACTS / "carry"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"share-image-{language}.png").write_bytes(answer.body())
    context.close()


def test_the_statement_page_converts(visit: Any, seeded: LiveSite) -> None:
    v = visit("en")
    page = v.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{seeded.url}/en/{SLUG}/")
    form = page.locator("section.sign form").first
    text = page.locator("article.statement")
    assert form.bounding_box()["x"] > text.bounding_box()["x"] + text.bounding_box()["width"]
    assert form.bounding_box()["y"] < 800  # signable without scrolling
    # Half-way down the text, the form is still in view (sticky).
    height = page.evaluate("document.querySelector('.text-col').offsetHeight")
    assert height > 1200, height
    page.evaluate(f"window.scrollTo(0, {height // 2})")
    page.wait_for_timeout(200)
    box = page.locator("section.sign h2").first.bounding_box()
    assert 0 <= box["y"] < 800, box
    assert not page.locator(".jump a").is_visible()
    page.set_viewport_size({"width": 360, "height": 800})
    page.evaluate("window.scrollTo(0, 0)")
    jump = page.locator(".jump a")
    assert jump.is_visible() and jump.bounding_box()["y"] < 400
    jump.click()
    page.wait_for_timeout(200)
    assert 0 <= page.locator("#sign-h").bounding_box()["y"] < 800
    page.evaluate("window.scrollTo(0, 0)")
    v.inspect("statement")
    page.goto(f"{seeded.url}/en/{SLUG}/signers/")
    assert page.locator(".signers li").count() == 5
    v.inspect("signers")
    v.validate_html()
