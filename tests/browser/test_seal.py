"""Sealing in the browser (issue 19, item 3): seal.js in Chromium seals what PyNaCl's
SealedBox (libsodium's crypto_box_seal) opens, and on the real site the name a signer keeps
private never leaves the browser in the clear."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
from nacl.public import PrivateKey, SealedBox

from tests.browser.staff import SLUG, shell
from undersigned.lib.sealing import load_private_key, unseal
from undersigned.test import LiveSite

STATIC = Path(__file__).resolve().parents[2] / "undersigned" / "public" / "static" / "undersigned"
SCRIPTS = ("vendor/nacl-fast.min.js", "vendor/blake2b.js", "seal.js")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>seal</title>")
    for script in SCRIPTS:
        page.add_script_tag(path=str(STATIC / script))
    yield page
    context.close()


def test_the_organisers_key_opens_what_the_browser_sealed(page: Any) -> None:
    private = PrivateKey.generate()
    public = base64.b64encode(bytes(private.public_key)).decode()
    text = json.dumps({"name": "Олена Канарейка", "city": "Тверь"}, ensure_ascii=False)
    boxes = [
        page.evaluate("([k, t]) => window.undersignedSeal(k, t)", [public, text]) for _ in "ab"
    ]
    assert boxes[0] != boxes[1]  # a fresh ephemeral key each time
    for box in boxes:
        raw = base64.b64decode(box)
        assert len(raw) == 48 + len(text.encode())  # 32-byte key, 16-byte tag, the message
        assert SealedBox(private).decrypt(raw).decode() == text


def test_another_key_does_not_open_it_and_a_bad_key_is_refused(page: Any) -> None:
    public = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    box = base64.b64decode(page.evaluate("k => window.undersignedSeal(k, 'x')", public))
    with pytest.raises(Exception, match="Decryption failed|decrypt"):
        SealedBox(PrivateKey.generate()).decrypt(box)
    refused = page.evaluate(
        "() => { try { window.undersignedSeal(btoa('short'), 'x'); return ''; }"
        " catch (e) { return e.message; } }"
    )
    assert refused == "not a public key"


VECTORS = Path(__file__).resolve().parents[2] / "undersigned" / "lib" / "tests" / "initials.json"


def test_the_browser_makes_initials_by_the_servers_rule(page: Any) -> None:
    """The same vectors as lib/tests/test_visibility.py, through seal.js."""
    cases = json.loads(VECTORS.read_text(encoding="utf-8"))["initials"]
    made = page.evaluate("cases => cases.map(c => window.undersignedInitials(c.name))", cases)
    assert made == [case["initials"] for case in cases]


CANARY = "Kanareyka Browserova"
SEALED_OF = (
    "import base64; from undersigned.statements.models import Signature; "
    "print(base64.b64encode(bytes(Signature.objects.get(public_name='', "
    "visibility=4, confirmed_at__isnull=True, sealed__isnull=False).sealed)).decode())"
)


def test_the_name_never_leaves_the_browser_in_the_clear(visit: Any, site: LiveSite) -> None:
    v = visit("en")
    bodies: list[str] = []
    v.context.on("request", lambda request: bodies.append(request.post_data or ""))
    page = v.page
    page.goto(f"{site.url}/en/{SLUG}/")
    scripts = page.locator("script[integrity]")
    assert scripts.count() == 3 and page.evaluate("typeof window.undersignedSeal") == "function"
    page.fill("#id_name", CANARY)
    page.fill("#id_email", "kanareyka@example.org")
    page.select_option("#id_country", "RU")
    page.fill("#id_city", "Tver")
    page.check("#id_visibility_3")  # not public
    page.click("button:text-is('Sign')")
    page.wait_for_url(f"{site.url}/en/{SLUG}/thanks/")
    sent = "\n".join(unquote_plus(body) for body in bodies)
    assert "kanareyka@example.org" in sent  # the email must reach the server
    assert CANARY not in sent and "Kanareyka" not in sent and "Tver" not in sent
    private = load_private_key(site.private_key)
    record = unseal(private, base64.b64decode(shell(site, SEALED_OF)))
    assert (record["name"], record["city"]) == (CANARY, "Tver")
    assert record["email"] == "kanareyka@example.org"
