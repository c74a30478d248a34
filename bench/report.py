"""The bench's written report: the table of a run, and the server's logged errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scenarios import BARE_REFERENCE, BARE_SCENARIOS, SCENARIOS


def errors_logged(log: Path, limit: int = 200) -> str:
    """The server log's error records with their tracebacks, at most LIMIT lines. A record
    starts with a timestamp (Django's log format) or "[" (granian's)."""
    if not log.exists():
        return ""
    kept: list[str] = []
    inside = False
    for line in log.read_text(errors="replace").splitlines():
        if re.match(r"\d{4}-\d\d-\d\d |\[", line):
            inside = any(word in line for word in ("ERROR", "CRITICAL"))
        elif line.startswith("Traceback"):
            inside = True
        if inside:
            kept.append(line)
    return "\n".join(kept[-limit:])


def row(name: str, item: dict[str, Any]) -> str:
    """One scenario's line of the table."""
    note = ""
    if name == "sign":
        note = (
            f"{item['accepted_per_s']:.0f} accepted/s; every 302 stored: "
            f"{'yes' if item['all_acknowledged_stored'] else 'NO'}; "
            f"{item['quarantined']} quarantined"
        )
    elif name == "confirm":
        note = f"{item['confirmed_per_s']:.0f} confirmed/s (rows)"
        if item["tokens_reused"]:
            note += f"; {item['tokens_reused']} requests reused a token"
    if item["errors_5xx"]:
        note += f"; {item['errors_5xx']} 5xx"
    target = item["target"] or "ceiling"
    if name in BARE_REFERENCE:
        target = f"yardstick (issue: {BARE_REFERENCE[name]})"
    scaled = item.get("at_reference_speed")
    vs_bare = item.get("vs_bare")
    return (
        f"| {name} | {item['rps']:.0f} | {item['vs_trivial']:.2f} | "
        f"{'' if vs_bare is None else f'{vs_bare:.2f}'} | "
        f"{scaled if scaled is not None else ''} | "
        f"{item['p50_ms']:.2f} | {item['p99_ms']:.2f} | {target} | {note} |"
    )


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Benchmark {results['date']} on {results['machine']}",
        "",
        f"{results['cpus']} cores, {results['platform']}; wrk on the same machine over loopback; "
        f"{results['rounds']} rounds of {results['duration']} s per scenario; medians. "
        "`× trivial` is the median ratio to the trivial view in the same round. "
        "`× bare Django` is the median ratio to bare Django's page (page, count, API count, "
        "embed) or sign (sign, confirm) in the same round (issue 15's yardstick). "
        "`at issue's speed` scales each figure by bare Django measured in the same round "
        "(bench/bare/: pages for page and count, single-insert signs for sign and confirm) "
        "against what the issue measured bare Django at (4,500 pages/s, 2,400 signs/s).",
    ]
    for config in results["configs"]:
        s = config["summary"]
        lines += [
            "",
            f"## {config['name']}",
            "",
            "| scenario | req/s | × trivial | × bare Django | at issue's speed | p50 ms | p99 ms "
            "| target req/s | note |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        lines += [row(name, s[name]) for name, _p, _c in [*SCENARIOS, *BARE_SCENARIOS] if name in s]
        memory = config["memory"]
        lines += [
            "",
            f"Resident memory: `serve`'s supervisor {memory['supervisor_mb']} MB, granian's "
            f"main process {', '.join(str(m) for m in memory['granian_main_mb'])} MB, workers "
            f"{', '.join(str(m) for m in memory['workers_mb'])} MB (target < 120 MB each). "
            f"Counter shards reconcile with rows: {'yes' if config['counts_reconcile'] else 'NO'}"
            f" ({config['final']['counted_rows']} counted of {config['final']['signatures']}).",
        ]
        if config.get("server_errors"):
            lines += ["", "The server logged errors:", "", "```", config["server_errors"], "```"]
    return "\n".join(lines) + "\n"
