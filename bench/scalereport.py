"""bench/scale.py's written report: the tables (Markdown) and the curve (hand-written SVG)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

# Each scenario against bare Django's page (reads) or its one-insert sign (writes).
RATIOS = {"page": "bare_page", "count": "bare_page", "sign": "bare_sign", "confirm": "bare_sign"}
COLOURS = {"page": "#1f77b4", "count": "#2ca02c", "sign": "#d62728", "confirm": "#9467bd"}


def rows_label(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g}M"
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def svg(results: dict[str, Any]) -> str:
    sizes = results["config"]["sizes"]
    width, height, left, right, top, bottom = 740, 420, 70, 175, 40, 60
    xs = [math.log10(s["size"]) for s in sizes]
    x_lo, x_hi = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    values = [v for s in sizes for v in s["ratio_to_bare"].values() if v > 0] or [1.0]
    # Log scale on both axes: the ratios run from a tenth (signing) to tens (cached reads).
    ticks = [t for t in (0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)]
    y_lo = max(t for t in ticks if t <= min(values) * 0.9) if min(values) >= 0.02 else 0.01
    y_hi = min(t for t in ticks if t >= max(values) * 1.1) if max(values) <= 90 else 200

    def x(value: float) -> float:
        return left + (value - x_lo) / (x_hi - x_lo) * (width - left - right)

    def y(value: float) -> float:
        share = (math.log10(value) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo))
        return top + (1 - share) * (height - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="14">{escape(results["config"]["name"])}: '
        f"req/s over bare Django's in the same round, median of {results['rounds']} rounds "
        f"({escape(results['date'])})</text>",
    ]
    for tick in [t for t in ticks if y_lo <= t <= y_hi]:
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#ddd"/><text x="{left - 8}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick:g}</text>'
        )
    for size, value in zip(sizes, xs, strict=True):
        out.append(
            f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{top}" y2="{height - bottom}" '
            f'stroke="#eee"/><text x="{x(value):.1f}" y="{height - bottom + 18}" '
            f'text-anchor="middle">{rows_label(size["size"])}</text>'
        )
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 15}" text-anchor="middle">'
        "signatures in the statement (log scale)</text>"
        f'<text x="18" y="{(top + height - bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 18 {(top + height - bottom) / 2})">× bare Django (log scale)</text>'
    )
    for i, (name, colour) in enumerate(COLOURS.items()):
        points = [
            (x(v), y(s["ratio_to_bare"][name]))
            for s, v in zip(sizes, xs, strict=True)
            if name in s["ratio_to_bare"]
        ]
        out += line(name, colour, points, (width - right, top + 20 + 22 * i))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def line(
    name: str, colour: str, points: list[tuple[float, float]], legend: tuple[float, float]
) -> list[str]:
    """One scenario's polyline, its points, and its entry in the legend at LEGEND."""
    if not points:
        return []
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    left, top = legend
    return [
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>',
        *(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>' for px, py in points),
        f'<line x1="{left + 15}" x2="{left + 40}" y1="{top}" y2="{top}" stroke="{colour}" '
        f'stroke-width="2"/><text x="{left + 46}" y="{top + 4}">'
        f"{name} / bare {RATIOS[name].removeprefix('bare_')}</text>",
    ]


def ratio_table(sizes: list[dict[str, Any]]) -> list[str]:
    base = sizes[0]["ratio_to_bare"]
    lines = [
        "| rows: grown to → after the run | "
        + " | ".join(f"{n} × bare" for n in RATIOS)
        + " | page req/s | count req/s "
        "| sign req/s | confirm rows/s | sign p99 ms |",
        "| ---: |" + " ---: |" * (len(RATIOS) + 5),
    ]
    for s in sizes:
        cells = []
        for name in RATIOS:
            value = s["ratio_to_bare"].get(name)
            change = (
                f" ({100 * (value / base[name] - 1):+.0f} %)" if value and base.get(name) else ""
            )
            cells.append(f"{value:.3f}{change}" if value is not None else "")
        summary = s["summary"]
        lines.append(
            f"| {s['size']:,} → {s['rows']:,} | "
            + " | ".join(cells)
            + f" | {summary['page']['rps']:.0f} | "
            f"{summary['count']['rps']:.0f} | {summary['sign']['rps']:.0f} | "
            f"{summary['confirm']['confirmed_per_s']:.0f} | {summary['sign']['p99_ms']:.1f} |"
        )
    return lines


def staff_table(sizes: list[dict[str, Any]]) -> list[str]:
    """Each staff page's ms per GET (median / slowest of 5), logged in."""
    paths = list(sizes[0].get("staff", {}))
    if not paths:
        return []
    lines = ["| rows | " + " | ".join(f"`{p}` ms" for p in paths) + " |"]
    lines.append("| ---: |" + " ---: |" * len(paths))
    for s in sizes:
        cells = [f"{s['staff'][p]['ms_median']} / {s['staff'][p]['ms_max']}" for p in paths]
        lines.append(f"| {s['size']:,} | " + " | ".join(cells) + " |")
    return lines


def probe_table(sizes: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| rows | deepest page (n) | its ms, median / max of 10 | pages 2–11 ms | export s "
        "| export peak MB | purge s / longest sign ms | reconcile s / longest sign ms "
        "| trending s / longest sign ms | longest sign before, ms |",
        "| ---: |" + " ---: |" * 9,
    ]
    for s in sizes:
        listing, export, stalls = s["list"], s["export"], s["stalls"]
        cells = [
            f"{stalls[n]['seconds']} / {stalls[n]['max_ms_during']}"
            for n in ("purge", "reconcile", "trending")
        ]
        before = max((stalls[n]["max_ms_before"] or 0) for n in stalls)
        lines.append(
            f"| {s['size']:,} | {listing['deepest_page']:,} | {listing['deep_ms_median']} / "
            f"{listing['deep_ms_max']} | {listing['shallow_ms_median']} | {export['seconds']} | "
            f"{export['peak_mb']} | " + " | ".join(cells) + f" | {before} |"
        )
    return lines


def plan_lines(size: dict[str, Any]) -> list[str]:
    lines = [f"Query plans at {size['rows']:,} rows ({size['plans']['vendor']}):", "", "```"]
    for item in size["plans"]["plans"]:
        lines.append(f"-- {item['operation']}: {item['seconds'] * 1000:.1f} ms in one process")
        for query in item["queries"]:
            lines.append("   " + query["sql"][:160] + ("…" if len(query["sql"]) > 160 else ""))
            lines += ["     " + line for line in query["plan"]]
    return [*lines, "```"]


def markdown(results: dict[str, Any], chart: str) -> str:
    config, sizes = results["config"], results["config"]["sizes"]
    lines = [
        f"# Scale benchmark {results['date']} on {results['machine']} ({config['name']})",
        "",
        f"{results['cpus']} cores, {results['platform']}; wrk beside the server over loopback; "
        f"{results['rounds']} rounds of {results['duration']} s per scenario at each size; "
        "medians. `× bare` is the median over the rounds of the scenario's req/s over bare "
        "Django's in the same round (page and count over bare pages, sign and confirm over "
        "bare one-insert signs); in brackets, the change from the smallest size. "
        f"Took {results['elapsed_s']} s.",
        "",
        f"![the curve]({chart})",
        "",
        *ratio_table(sizes),
        "",
        *probe_table(sizes),
        "",
        "Longest sign: the slowest of the sign requests one signer sent one after another "
        "while the command ran (and, for comparison, in the 2 s before it).",
        "",
        "Staff pages, logged in with a verified second factor: ms per GET, median / slowest of 5.",
        "",
        *staff_table(sizes),
        "",
        *plan_lines(sizes[-1]),
    ]
    return "\n".join(lines) + "\n"
