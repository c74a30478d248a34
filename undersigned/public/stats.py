"""The statistics of a statement, as pictures and tables: signatures by country (a table
and a server-drawn SVG world map), over time (an SVG chart) and organisations by kind and
country. No JavaScript; every figure comes through aggregates.py and so through the
suppression rules (P9); every picture is cached.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django_countries import countries as country_names

from undersigned.lib import worldmap
from undersigned.lib.suppression import Breakdown, Figure
from undersigned.public import aggregates
from undersigned.public.pages import counts_for, public_statement
from undersigned.public.wording import figure
from undersigned.statements import caches
from undersigned.statements.caches import AGGREGATE_SECONDS
from undersigned.statements.models import Endorsement, Statement

PALETTE = ("#c6d4e6", "#94afd1", "#6289b8", "#36609a", "#1d3557")  # light to dark
SMALL_FILL = "#dde5ef"
PATHS_SECONDS = 7 * 24 * 3600
STATS_CACHE = {"public": True, "max_age": 60}


def country_name(code: str) -> str:
    return str(country_names.name(code)) or code


def _paths() -> dict[str, str]:
    """The map's shapes, shared through the cache: simplifying them takes seconds."""
    return caches.public_output(
        "worldpaths",
        worldmap.TOLERANCE,
        worldmap.MIN_AREA,
        seconds=PATHS_SECONDS,
        render=worldmap.country_paths,
    )


def classes(found: Breakdown[str]) -> list[tuple[int, int]]:
    """Up to five classes (low, high) over the exactly shown counts, by rank."""
    values = sorted(n for _, n in found.shown)
    if not values:
        return []
    steps = min(len(PALETTE), len(values))
    bounds: list[tuple[int, int]] = []
    for i in range(steps):
        chunk = values[i * len(values) // steps : (i + 1) * len(values) // steps]
        if chunk and (not bounds or chunk[-1] > bounds[-1][1]):
            low = chunk[0] if not bounds else bounds[-1][1] + 1
            bounds.append((low, chunk[-1]))
    return bounds


def _fill(count: int, bounds: list[tuple[int, int]]) -> str:
    for i, (_low, high) in enumerate(bounds):
        if count <= high:
            return PALETTE[len(PALETTE) - len(bounds) + i]
    return PALETTE[-1]


def shades(found: Breakdown[str]) -> dict[str, worldmap.Shade]:
    bounds = classes(found)
    out = {
        code: worldmap.Shade(_fill(n, bounds), f"{country_name(code)}: {figure(Figure(n, 0))}")
        for code, n in found.shown
    }
    small = figure(Figure(None, aggregates.threshold()))
    for code in found.small:
        out[code] = worldmap.Shade(SMALL_FILL, f"{country_name(code)}: {small}")
    return out


@require_safe
@cache_control(**STATS_CACHE)
def map_svg(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)

    def render_map() -> str:
        label = _("Signatures by country") + ": " + statement.text(get_language()).title
        return worldmap.render(_paths(), shades(aggregates.countries(statement)), label=label)

    svg = caches.public_output(
        "map", statement.pk, get_language(), seconds=AGGREGATE_SECONDS, render=render_map
    )
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


CHART_W, CHART_H, PAD = 800, 320, 48


def timeline_svg_text(points: list[tuple[dt.datetime, int]], label: str) -> str:
    """A cumulative area chart of POINTS (time, total so far), with its axes labelled by
    the first and the last day drawn. The last point is the end of the last interval,
    exclusive (the midnight that closes the last day): its label is the day just before."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_W} {CHART_H}" '
        f'role="img" aria-label="{_attr(label)}"><title>{_text(label)}</title>'
    )
    if len(points) < 2:
        note = _("Not enough signatures yet to draw this chart.")
        return f'{head}<text x="{PAD}" y="{CHART_H / 2}" font-size="16">{_text(note)}</text></svg>'
    t0, t1 = points[0][0].timestamp(), points[-1][0].timestamp()
    top = max(total for _, total in points)
    width, height = CHART_W - 2 * PAD, CHART_H - 2 * PAD

    def xy(when: dt.datetime, total: int) -> str:
        x = PAD + width * (when.timestamp() - t0) / max(1.0, t1 - t0)
        y = CHART_H - PAD - height * total / top
        return f"{x:.1f} {y:.1f}"

    line = "L".join(xy(when, total) for when, total in points)
    area = f"M{xy(points[0][0], 0)}L{line}L{xy(points[-1][0], 0)}Z"
    ends = (points[0][0], points[-1][0] - dt.timedelta(microseconds=1))
    first, last = (formats.date_format(when, "SHORT_DATE_FORMAT") for when in ends)
    font = 'font-family="system-ui,Noto Sans,sans-serif" font-size="14" fill="#1b1f24"'
    return (
        f'{head}<path d="{area}" fill="#c6d4e6"/>'
        f'<path d="M{line}" fill="none" stroke="#1d3557" stroke-width="2.5"/>'
        f'<path d="M{PAD} {PAD}V{CHART_H - PAD}H{CHART_W - PAD}" fill="none" stroke="#4a5560"/>'
        f'<g {font}><text x="{PAD}" y="{CHART_H - PAD + 20}">{_text(first)}</text>'
        f'<text x="{CHART_W - PAD}" y="{CHART_H - PAD + 20}" text-anchor="end">{_text(last)}</text>'
        f'<text x="{PAD + 6}" y="{PAD - 8}">{_text(figure(Figure(top, 0)))}</text></g></svg>'
    )


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")


def cumulative(statement: Statement) -> list[tuple[dt.datetime, int]]:
    """(time, total so far) at the start of the first interval and the end of each."""
    intervals = aggregates.timeline(statement, "day")
    if not intervals:
        return []
    points = [(intervals[0].start, 0)]
    total = 0
    for one in intervals:
        total += one.count
        points.append((one.end + dt.timedelta(days=1), total))
    return points


@require_safe
@cache_control(**STATS_CACHE)
def timeline_svg(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)

    def render_chart() -> str:
        label = _("Signatures over time") + ": " + statement.text(get_language()).title
        return timeline_svg_text(cumulative(statement), label)

    svg = caches.public_output(
        "timeline", statement.pk, get_language(), seconds=AGGREGATE_SECONDS, render=render_chart
    )
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


def _rows(found: Breakdown[str], name: Any, other: str) -> list[tuple[str, str]]:
    rows = [(name(key), figure(Figure(n, 0))) for key, n in found.shown]
    small = figure(Figure(None, aggregates.threshold()))
    rows += [(name(key), small) for key in found.small]
    if found.other.value:
        rows.append((other, figure(found.other)))
    return rows


def _kind_name(kind: str) -> str:
    return str(dict(Endorsement.Kind.choices).get(kind, kind))


@require_safe
@cache_control(**STATS_CACHE)
def statistics(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)

    def render_page() -> bytes:
        found = aggregates.countries(statement)
        kinds, org_countries = aggregates.organisations(statement)
        confirmed = aggregates.headline(statement, counts_for(statement))["confirmed"]
        context = {
            "statement": statement,
            "text": statement.text(get_language()),
            "confirmed": confirmed,
            "countries": found,
            "country_rows": _rows(found, country_name, _("Other countries")),
            "legend": [
                (PALETTE[len(PALETTE) - len(classes(found)) + i], b)
                for i, b in enumerate(classes(found))
            ],
            "small_fill": SMALL_FILL,
            "days": aggregates.timeline(statement, "day"),
            "kind_rows": _rows(kinds, _kind_name, _("Other kinds")),
            "org_country_rows": _rows(org_countries, country_name, _("Other countries")),
            "notice": worldmap.NOTICE,
            "map_size": (worldmap.WIDTH, worldmap.HEIGHT),
        }
        return render(request, "public/statistics.html", context).content

    body = caches.public_output(
        "statistics", statement.pk, get_language(), seconds=AGGREGATE_SECONDS, render=render_page
    )
    return HttpResponse(body)
