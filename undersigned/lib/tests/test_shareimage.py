from __future__ import annotations

import io

from PIL import Image

from undersigned.lib import shareimage


def test_it_draws_a_1200_by_630_png() -> None:
    card = shareimage.Card("Зупиніть війну", "1 234 підписи", "undersigned", progress=42)
    image = Image.open(io.BytesIO(shareimage.render(card)))
    assert image.format == "PNG" and image.size == (1200, 630)


def test_the_font_has_cyrillic_glyphs() -> None:
    face = shareimage.font(40, 700)
    notdef = face.getmask("\uffff").getbbox()
    for letter in "ЇЄҐЫЭЪ":
        mask = face.getmask(letter)
        assert mask.getbbox() is not None and mask.getbbox() != notdef


def test_a_long_title_is_cut_with_an_ellipsis() -> None:
    face = shareimage.font(40, 700)
    lines = shareimage.wrap("слово " * 100, face, 500, 3)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(face.getlength(line) <= 500 for line in lines)


def test_bold_is_heavier_than_regular() -> None:
    def ink(weight: int) -> int:
        mask = shareimage.font(40, weight).getmask("Підпис")
        return sum(mask.getpixel((x, y)) for x in range(mask.size[0]) for y in range(mask.size[1]))

    assert ink(700) > ink(400) * 1.2
