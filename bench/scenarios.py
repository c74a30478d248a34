"""The wrk scenarios of one bench round, and their medians over the rounds."""

from __future__ import annotations

import html
import json
import os
import re
import statistics
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from sites import BENCH, BareSite, Site

LUA = BENCH / "load.lua"
SLUG = "solidarity-against-war"

# name, path, wrk connections
SCENARIOS = [
    ("trivial", "/healthz", 64),
    ("page", f"/en/{SLUG}/", 64),
    ("count", f"/count/{SLUG}.json", 64),
    # Issue 15: the open data count and the embed, each at least twice bare Django's page.
    ("api_count", f"/api/v1/statements/{SLUG}/counts/", 64),
    ("embed", f"/embed/{SLUG}/", 64),
    ("sign", f"/en/{SLUG}/sign/", 16),
    ("confirm", "/en/confirm/%s/", 16),
]
# Issue 17: the count log as verifiers and witnesses fetch it (bench/dbtool.py logs the fill
# first), each at least twice bare Django's page in the same round.
LOG_SCENARIOS = [
    ("log_checkpoint", f"/log/{SLUG}/checkpoint", 64),
    ("log_tile", f"/log/{SLUG}/tile/0/000", 64),
    ("log_entries", f"/log/{SLUG}/tile/entries/000", 64),
]
SCENARIOS[-2:-2] = LOG_SCENARIOS
TARGETS = {
    "page": 5500,
    "count": 10000,
    "api_count": 9000,
    "embed": 9000,
    "sign": 900,
    "confirm": 500,
}
TARGETS.update({name: 9000 for name, _path, _c in LOG_SCENARIOS})
# Bare Django beside undersigned (bench/bare/), and what the issue measured it at when it set
# the targets: a figure times REFERENCE / bare-now is the figure at the machine speed.
BARE_SCENARIOS = [("bare_page", "/page/", 64), ("bare_sign", "/sign/", 16)]
BARE_REFERENCE = {"bare_page": 4500, "bare_sign": 2400}
YARDSTICK = {
    "page": "bare_page",
    "count": "bare_page",
    "api_count": "bare_page",
    "embed": "bare_page",
    "sign": "bare_sign",
    "confirm": "bare_sign",
}
YARDSTICK.update({name: "bare_page" for name, _path, _c in LOG_SCENARIOS})
TARGETS_POSTGRES = {**TARGETS, "sign": 600}
MIN_FILL_SECONDS = 3  # the server's SIGN_MIN_FILL_SECONDS default


def wrk(
    site: Site | BareSite, path: str, connections: int, duration: float, threads: int, *script: str
) -> dict[str, Any]:
    url = site.url + (path if "%s" not in path else "/")
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        url,
        "--",
        *script,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH "):
            figures: dict[str, Any] = json.loads(line[6:])
            seconds = figures["duration_us"] / 1e6
            figures["rps"] = round(figures["requests"] / seconds, 1)
            figures["seconds"] = round(seconds, 2)
            return figures
    raise SystemExit(f"wrk gave no figures:\n{result.stdout}\n{result.stderr}")


def form_started(site: Site) -> str:
    """The signed render time in the statement page's form, aged past SIGN_MIN_FILL_SECONDS
    as a person's reading time would age it, so the bench's signatures are clean ones (a
    form sent without it is quarantined, and a quarantined signature counts nothing)."""
    with urllib.request.urlopen(f"{site.url}/en/{SLUG}/", timeout=10) as response:
        page = response.read().decode()
    found = re.search(r'name="started" value="([^"]+)"', page)
    if not found:
        raise SystemExit("the statement page has no form render time")
    token = html.unescape(found.group(1))
    wait = int(token.split(":")[0]) + MIN_FILL_SECONDS + 1 - time.time()
    if wait > 0:
        time.sleep(wait)
    return urllib.parse.quote(token, safe="")


def show(round_no: int, name: str, result: dict[str, Any], width: int = 8) -> None:
    print(
        f"  round {round_no} {name:{width}} {result['rps']:>{17 - width}.1f} req/s  "
        f"p50 {result['p50_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:7.2f} ms  "
        f"status {result['status']}",
        flush=True,
    )


def run_bare(
    bare: BareSite, round_no: int, duration: float, threads: int
) -> dict[str, dict[str, Any]]:
    """Bare Django's page and sign, the yardstick of the same round."""
    figures: dict[str, dict[str, Any]] = {}
    for bare_name, bare_path, bare_connections in BARE_SCENARIOS:
        mode = ("sign", f"bare{round_no}", bare_path, bare.url, "", "0")
        result = wrk(
            bare, bare_path, bare_connections, duration, threads,
            *(mode if bare_name == "bare_sign" else ("get",)),
        )  # fmt: skip
        result.pop("sent_by_thread", None)
        figures[bare_name] = result
        show(round_no, bare_name, result, width=9)
    return figures


def run_sign(
    site: Site, round_no: int, path: str, connections: int, duration: float, threads: int
) -> dict[str, Any]:
    """Sign submissions, then a check that every acknowledged one is a row."""
    run = f"{os.getpid()}r{round_no}" + "".join(c for c in site.config.name if c.isalnum())
    started = form_started(site)
    result = wrk(
        site, "/", connections, duration, threads,
        "sign", run, path, site.url, started, str(16 * round_no),
    )  # fmt: skip
    check = site.db("check", run, *[str(n) for n in result["sent_by_thread"]])
    result["acknowledged"] = result["status"]["302"]
    result["in_database"] = check["in_database"]
    result["quarantined"] = check["quarantined"]
    result["quarantine_reasons"] = check["reasons"]
    # Every 302 told someone "check your email": each must be a row. Requests still
    # in flight when wrk stopped may add rows it never saw answered.
    result["all_acknowledged_stored"] = check["in_database"] >= result["acknowledged"]
    result["accepted_per_s"] = round(result["acknowledged"] / result["seconds"], 1)
    return result


def run_confirm(
    site: Site,
    round_no: int,
    path: str,
    connections: int,
    duration: float,
    threads: int,
    out: Path,
) -> dict[str, Any]:
    """Confirmations of pending signatures, counted by the rows they confirmed."""
    tokens_file = out / f"tokens-{site.config.name}-{round_no}.txt"
    tokens = site.db("tokens", str(tokens_file), str(int(2000 * duration)))
    before = site.db("stats")["confirmed"]
    result = wrk(
        site, path, connections, duration, threads,
        "confirm", str(tokens_file), path, site.url, str(threads),
    )  # fmt: skip
    after = site.db("stats")["confirmed"]
    result["tokens"] = tokens["tokens"]
    result["confirmed"] = after - before
    result["confirmed_per_s"] = round((after - before) / result["seconds"], 1)
    return result


def run_round(
    site: Site,
    round_no: int,
    duration: float,
    threads: int,
    out: Path,
    scenarios: list[str],
    bare: BareSite | None = None,
) -> dict[str, dict[str, Any]]:
    figures: dict[str, dict[str, Any]] = {}
    for name, path, connections in SCENARIOS:
        if name not in scenarios:
            continue
        if name == "trivial" and bare is not None:
            figures.update(run_bare(bare, round_no, duration, threads))
        if name == "sign":
            result = run_sign(site, round_no, path, connections, duration, threads)
        elif name == "confirm":
            result = run_confirm(site, round_no, path, connections, duration, threads, out)
        else:
            result = wrk(site, path, connections, duration, threads, "get")
        result.pop("sent_by_thread", None)
        figures[name] = result
        show(round_no, name, result)
    return figures


def summarise(rounds: list[dict[str, dict[str, Any]]], postgres: bool) -> dict[str, Any]:
    targets = TARGETS_POSTGRES if postgres else TARGETS
    summary: dict[str, Any] = {}
    for name, _path, _c in [*BARE_SCENARIOS, *SCENARIOS]:
        if name not in rounds[0]:
            continue
        runs = [r[name] for r in rounds]
        item: dict[str, Any] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "p50_ms": round(statistics.median(r["p50_us"] for r in runs) / 1000, 2),
            "p99_ms": round(statistics.median(r["p99_us"] for r in runs) / 1000, 2),
            "vs_trivial": round(
                statistics.median(r[name]["rps"] / r["trivial"]["rps"] for r in rounds), 2
            ),
            "target": targets.get(name),
            "errors_5xx": sum(r["status"]["5xx"] for r in runs),
        }
        yardstick = YARDSTICK.get(name)
        if yardstick and yardstick in rounds[0]:
            # This figure at the speed the machine had when the issue measured bare Django.
            item["at_reference_speed"] = round(
                statistics.median(
                    r[name]["rps"] * BARE_REFERENCE[yardstick] / r[yardstick]["rps"] for r in rounds
                )
            )
            # Issue 15's yardstick: times bare Django in the same round.
            # Signing counts what was acknowledged: a 503 from admission control is no sign.
            item["vs_bare"] = round(
                statistics.median(
                    r[name].get("accepted_per_s", r[name]["rps"]) / r[yardstick]["rps"]
                    for r in rounds
                ),
                2,
            )
        if name == "sign":
            item["accepted_per_s"] = statistics.median(r["accepted_per_s"] for r in runs)
            item["all_acknowledged_stored"] = all(r["all_acknowledged_stored"] for r in runs)
            item["quarantined"] = sum(r.get("quarantined", 0) for r in runs)
        if name == "confirm":
            item["confirmed_per_s"] = statistics.median(r["confirmed_per_s"] for r in runs)
            item["tokens_reused"] = sum(r["wrapped"] for r in runs)
        summary[name] = item
    return summary
