from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image

from undersigned.public import sharing
from undersigned.public.tests.signers import add_signatures
from undersigned.statements.models import Signature
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_the_share_image_is_a_1200_by_630_png() -> None:
    make_statement("stop-the-war")
    answer = Client().get("/uk/stop-the-war/share.png")
    assert answer["Content-Type"] == "image/png"
    assert "max-age=300" in answer["Cache-Control"]
    image = Image.open(io.BytesIO(answer.content))
    assert image.size == (1200, 630)
    assert not image.info  # no text chunks


def test_the_share_image_says_the_title_and_count_in_the_pages_language() -> None:
    statement = make_statement("stop-the-war", goal=100)
    add_signatures(statement, 1234, country="UA")
    with translation.override("uk"):
        card = sharing.card(statement, "uk")
    assert card.title == "Title uk"
    assert card.count == "1\xa0234 підписи"  # Ukrainian groups digits with a space
    assert card.progress == 100


def test_the_share_image_is_drawn_at_most_every_few_minutes() -> None:
    statement = make_statement("stop-the-war")
    first = Client().get("/en/stop-the-war/share.png").content
    add_signatures(statement, 500, country="UA")
    assert Client().get("/en/stop-the-war/share.png").content == first


def test_the_statement_page_has_link_previews() -> None:
    make_statement("stop-the-war")
    html = Client().get("/uk/stop-the-war/").content.decode()
    assert '<meta property="og:title" content="Title uk">' in html
    assert (
        '<meta property="og:image" content="http://127.0.0.1:8000/uk/stop-the-war/share.png">'
        in html
    )
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta name="description" content="Demand one uk; Demand two uk">' in html
    assert '<meta property="og:locale" content="uk_UA">' in html


def test_the_thanks_page_asks_to_pass_it_on_with_plain_links() -> None:
    make_statement("stop-the-war")
    html = Client().get("/ru/stop-the-war/thanks/").content.decode()
    assert 'id="share-h"' in html
    hrefs = re.findall(r'href="([^"]+)"', html)
    for start in (
        "mailto:?subject=Title%20ru",
        "https://t.me/share/url?url=http%3A%2F%2F127.0.0.1%3A8000%2Fru%2Fstop-the-war%2F",
        "https://wa.me/?text=",
        "https://bsky.app/intent/compose?text=",
        "https://x.com/intent/post?",
        "https://www.facebook.com/sharer/sharer.php?u=",
        "https://vk.com/share.php?url=",
    ):
        assert any(h.startswith(start) for h in hrefs), start
    # Nothing from another site is loaded: only our own script, stylesheet and links.
    assert not re.findall(r'<(?:script|img|link|iframe)[^>]+(?:src|href)="https?://', html)


def test_mastodon_asks_for_the_server_and_links_to_it() -> None:
    make_statement("stop-the-war")
    answer = Client().get("/en/stop-the-war/share/mastodon/", {"instance": "@me@Social.Example"})
    assert answer.status_code == 200
    assert 'href="https://social.example/share?text=Title+en+http' in answer.content.decode()
    bad = Client().get("/en/stop-the-war/share/mastodon/", {"instance": "javascript:alert(1)"})
    assert bad.status_code == 400
    assert "javascript:alert" not in re.sub(r'value="[^"]*"', "", bad.content.decode())


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("mastodon.social", "mastodon.social"),
        ("https://chaos.social/", "chaos.social"),
        ("@anna@mstdn.io", "mstdn.io"),
        ("localhost", None),
        ("evil.example/path?x", None),
        ("", None),
    ],
)
def test_mastodon_address(given: str, host: str | None) -> None:
    address = sharing.mastodon_address(given, "https://s.example/en/x/", "T")
    assert (address.split("/")[2] if address else None) == host


def test_a_confirmed_signer_is_asked_to_pass_it_on() -> None:
    statement = make_statement("stop-the-war")
    signature, message = Signature.sign(
        statement, language="en", name="A B", email="a@example.org", country="UA"
    )
    token = message.open_payload()["confirm_token"]
    html = Client().post(f"/en/confirm/{token}/").content.decode()
    assert "Thank you: your signature is confirmed" in html
    assert 'id="share-h"' in html
