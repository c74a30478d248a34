"""seal.js in Chromium seals what PyNaCl's SealedBox (libsodium's crypto_box_seal) opens:
the building block of sealing in the browser (issue 19, item 3)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nacl.public import PrivateKey, SealedBox

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
