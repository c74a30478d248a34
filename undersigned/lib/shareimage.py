"""The picture a messenger shows beside a link to a statement: 1200 × 630 PNG.

Drawn with Pillow in Noto Sans (SIL Open Font License 1.1, from the fontpkg-noto-sans
package), which covers Latin, Cyrillic and Greek, so the title and the count render in the
page's language on any machine. Callers cache the bytes: drawing takes tens of
milliseconds.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import fontpkg_noto_sans
from PIL import Image, ImageDraw, ImageFont

SIZE = (1200, 630)
MARGIN = 72
FONT = fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf"
PAPER, INK, MUTED, ACCENT, TRACK = "#fdfcf8", "#1b1f24", "#4a5560", "#1d3557", "#d5d9de"


@dataclass(frozen=True)
class Card:
    title: str
    count: str  # as published: "1,234 signatures" or "Fewer than 10 signatures"
    site: str
    progress: int | None = None  # percent of the goal, when it may be shown


@functools.lru_cache(maxsize=16)
def font(size: int, weight: int) -> ImageFont.FreeTypeFont:
    face = ImageFont.truetype(str(FONT), size)
    axes = [
        float(weight if axis["name"] == b"Weight" else axis["default"] or 0)
        for axis in face.get_variation_axes()
    ]
    face.set_variation_by_axes(axes)
    return face


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float, lines: int) -> list[str]:
    """TEXT in at most LINES lines of WIDTH pixels; a cut is marked with an ellipsis."""
    out: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if face.getlength(candidate) <= width or not current:
            current = candidate
            continue
        out.append(current)
        current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while last and face.getlength(last + "…") > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out


def _title(draw: ImageDraw.ImageDraw, title: str) -> int:
    """Draw the title as large as fits in four lines; return where it ends."""
    width = SIZE[0] - 2 * MARGIN
    for size in (72, 62, 54, 46):
        face = font(size, 700)
        lines = wrap(title, face, width, 4)
        if len(lines) <= 3 or size == 46:
            break
    y = MARGIN
    for line in lines:
        draw.text((MARGIN, y), line, font=face, fill=INK)
        y += int(size * 1.22)
    return y


def render(card: Card) -> bytes:
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 18, SIZE[1]), fill=ACCENT)
    _title(draw, card.title)
    bottom = SIZE[1] - MARGIN
    if card.progress is not None:
        bar = (MARGIN, bottom - 150, SIZE[0] - MARGIN, bottom - 126)
        draw.rounded_rectangle(bar, radius=12, fill=TRACK)
        filled = bar[0] + (bar[2] - bar[0]) * max(0, min(100, card.progress)) / 100
        if filled > bar[0] + 24:
            draw.rounded_rectangle((bar[0], bar[1], filled, bar[3]), radius=12, fill=ACCENT)
    draw.text((MARGIN, bottom - 60), card.count, font=font(56, 700), fill=ACCENT, anchor="ls")
    site = wrap(card.site, font(30, 400), SIZE[0] - 2 * MARGIN, 1)[0]
    draw.text((MARGIN, bottom), site, font=font(30, 400), fill=MUTED, anchor="ls")
    out = io.BytesIO()
    # No text chunks: the picture says what its pixels show and nothing more.
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
