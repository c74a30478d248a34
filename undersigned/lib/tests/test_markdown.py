from __future__ import annotations

from undersigned.lib import markdown


def test_it_renders_markdown_and_strips_raw_html() -> None:
    html = markdown.render("**bold** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and 'href="javascript' not in html


def test_links_get_no_referrer() -> None:
    html = markdown.render("[site](https://example.org/)")
    assert 'rel="noopener noreferrer nofollow"' in html


def test_whitespace_is_not_substance_but_words_are() -> None:
    assert markdown.content_hash("a  b\n c") == markdown.content_hash("a b c")
    assert markdown.content_hash("a b c") != markdown.content_hash("a b d")
