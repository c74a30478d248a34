"""Headless Chromium against the real site (granian + worker + SMTP on loopback).

Every public page a test opens goes through `inspect`: axe-core finds no WCAG 2.2 AA
violation, nothing is requested from another origin, and the page is saved for the Nu HTML
Checker and as screenshots at 360 and 1280 px under test-artifacts/.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from undersigned.test import RELAXED_LIMITS, LiveSite, Mailbox

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (360, 1280)
CHROMIUM = shutil.which("chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            if CHROMIUM is None:
                item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not AXE.exists() or not VNU.exists():
        pytest.fail("node_modules is missing axe-core or vnu-jar: run `npm ci` (make install-test)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site() -> Iterator[LiveSite]:
    mailbox = Mailbox().start()
    live = LiveSite(mailbox, extra_env=RELAXED_LIMITS).prepare()
    live.start()
    yield live
    live.stop()
    mailbox.stop()


@dataclass
class Visit:
    """One browser context on the site, with its network log and the pages it saved."""

    site: LiveSite
    context: Any
    name: str
    javascript: bool = True
    requests: list[str] = field(default_factory=list)
    saved: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.documents: dict[str, Any] = {}
        self.page.on("response", self._keep_document)

    def _keep_document(self, response: Any) -> None:
        if response.request.resource_type == "document" and response.status not in (301, 302):
            self.documents[response.url] = response

    def inspect(self, label: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        foreign = [u for u in self.requests if not _same_origin(u, self.site.url)]
        assert not foreign, f"{label}: requests to another origin: {foreign}"
        out = ARTIFACTS / self.name
        out.mkdir(parents=True, exist_ok=True)
        html_path = out / f"{label}.html"
        # The HTML as the server sent it, not the browser's re-serialisation of the DOM.
        html_path.write_text(self.documents[page.url.split("#")[0]].text(), encoding="utf-8")
        self.saved.append(html_path)
        if self.javascript:
            violations = run_axe(page)
            assert not violations, f"{label}: axe found\n{json.dumps(violations, indent=1)}"
        size = page.viewport_size
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(out / f"{label}-{width}.png"), full_page=True)
        page.set_viewport_size(size)

    def validate_html(self) -> None:
        errors = nu_errors(self.saved)
        assert not errors, "Nu HTML Checker:\n" + "\n".join(errors)


def _same_origin(url: str, base: str) -> bool:
    if url.startswith("data:"):
        return True
    one, two = urlsplit(url), urlsplit(base)
    return (one.scheme, one.netloc) == (two.scheme, two.netloc)


def run_axe(page: Any) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) is kept
    # for the page itself and axe still runs.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": v["id"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "summary": [n.get("failureSummary", "") for n in v["nodes"]][:2],
        }
        for v in result["violations"]
    ]


def nu_errors(files: list[Path]) -> list[str]:
    if not files:
        return []
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is needed for the Nu HTML Checker")
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    return [
        f"{Path(urlsplit(m.get('url', '')).path).name}:{m.get('lastLine', '?')}: {m['message']}"
        for m in report["messages"]
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]


@pytest.fixture
def visit(browser: Any, site: LiveSite, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Open a fresh context (no cookies, no cache) per test; JavaScript on unless asked."""
    contexts: list[Any] = []

    def open_visit(language: str = "en", *, javascript: bool = True) -> Visit:
        context = browser.new_context(
            java_script_enabled=javascript,
            locale=language,
            extra_http_headers={"Accept-Language": language},
        )
        contexts.append(context)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        return Visit(site, context, name, javascript=javascript)

    yield open_visit
    for context in contexts:
        context.close()
