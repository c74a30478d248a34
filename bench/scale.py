"""The bench at scale: the same scenarios as `make bench` at 3,000, 100,000 and 1,000,000
signatures, and what a large statement adds (issue 18).

    python bench/scale.py                               # SQLite, 3k / 100k / 1M rows
    python bench/scale.py --sizes 3000,100000           # a quicker check
    python bench/scale.py --postgres postgres://postgres@127.0.0.1:5432/i18scale

One data folder (and with --postgres one database, <name>_scale, dropped at the end) is
prepared through the CLI as `make bench` does. At each size, smallest first, the demo
statement is grown to that many signatures through the bulk path (bench/scaledb.py: every
state and visibility, real sealed payloads), and then:

- ROUNDS rounds of bench/scenarios.py's wrk scenarios with bare Django beside them (same
  round ratios: page and count to bare Django's page, sign and confirm to its sign);
- the deepest page of the public signer list, and pages near its start (bench/scaleprobe.py),
  each asked once because each page is cached once rendered;
- the staff dashboard, endorsement queue, quarantine and audit log, logged in (ms per GET);
- `export` of every signer to CSV: seconds and the child's peak resident memory;
- `purge`, `reconcile` and `trending` while one signer after another signs: each command's
  seconds and the longest sign during it (against the longest in the 2 s before);
- the query plan of each hot query (bench/scaleplans.py).

Writes bench/results/<date>-<machine>-scale[-<tag>].json, .md and .svg (the curve).
Every server started is stopped, also on failure or ^C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scaleprobe import export_all, list_pages, staff_pages, stall
from scalereport import RATIOS, markdown, svg
from scenarios import SCENARIOS, SLUG, form_started, run_round, summarise, wrk
from sites import BENCH, REPO, BareSite, Config, Site, drop_postgres, prepare_postgres


def scaledb(site: Site, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(BENCH / "scaledb.py"), *args],
        env=site.env, capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    if result.returncode:
        raise SystemExit(f"scaledb {' '.join(args)} failed:\n{result.stderr}")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def ratios(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, float]:
    """Each scenario's median over the rounds of its req/s over bare Django's, same round."""
    found = {}
    for name, yardstick in RATIOS.items():
        if name in rounds[0] and yardstick in rounds[0]:
            found[name] = round(
                statistics.median(r[name]["rps"] / r[yardstick]["rps"] for r in rounds), 3
            )
    return found


def at_size(
    site: Site, bare: BareSite, size: int, args: argparse.Namespace, out: Path
) -> dict[str, Any]:
    print(f"== {site.config.name} at {size:,} signatures", flush=True)
    grown = scaledb(site, "grow", str(size))
    if args.fresh_cache:
        # Each size's signers then meet empty rate-limit counters, as at the first size,
        # so what changes between sizes is the table, not the traffic served before.
        scaledb(site, "clear-cache")
    print(f"  grew by {grown['added']:,} rows in {grown['seconds']} s", flush=True)
    rounds = [
        run_round(site, i + 1, args.duration, args.threads, out, args.scenarios, bare)
        for i in range(args.rounds)
    ]
    deepest = scaledb(site, "deepest")
    pages = list_pages(site, deepest)
    print(f"  public list: {pages}", flush=True)
    staff = staff_pages(site, scaledb(site, "staff-session")["cookie"])
    print(f"  staff pages: {staff}", flush=True)
    exported = export_all(site, out)
    print(f"  export: {exported}", flush=True)
    started = form_started(site)
    stalls = {
        name: stall(site, started, f"{size}{name}", *command)
        for name, command in (
            ("purge", ("purge",)),
            ("reconcile", ("reconcile",)),
            ("trending", ("trending",)),
        )
    }
    for name, item in stalls.items():
        print(f"  {name}: {item}", flush=True)
    plans = scaledb(site, "plans")
    stats = site.db("stats")
    return {
        "size": size,
        "rows": stats["signatures"],
        "grow": grown,
        "rounds": rounds,
        "summary": summarise(rounds, bool(site.config.postgres_admin)),
        "ratio_to_bare": ratios(rounds),
        "list": {**pages, "listed": deepest["listed"]},
        "staff": staff,
        "export": exported,
        "stalls": stalls,
        "plans": plans,
        "final": stats,
    }


def bench_config(config: Config, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    pg_name = ""
    if config.postgres_admin:
        base = urlsplit(config.postgres_admin).path.lstrip("/") or "postgres"
        pg_name = f"{base}_scale"
        config.env["DATABASE_URL"] = prepare_postgres(config.postgres_admin, pg_name)
    site = Site(config, out / config.name)
    bare = BareSite(out / f"{config.name}-bare", int(site.env.get("SERVE_WORKERS") or 2))
    sizes: list[dict[str, Any]] = []
    try:
        site.cli("demo", "--no-serve", "--port", str(site.port))
        site.start()
        bare.start()
        wrk(site, f"/en/{SLUG}/", 8, 1, 1, "get")
        wrk(bare, "/page/", 8, 1, 1, "get")
        for size in args.sizes:
            sizes.append(at_size(site, bare, size, args, out))
    finally:
        site.stop()
        bare.stop()
        if pg_name:
            drop_postgres(config.postgres_admin, pg_name)
    return {"name": config.name, "sizes": sizes}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default="3000,100000,1000000",
        type=lambda text: sorted(int(n) for n in text.split(",") if n.strip()),
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5, help="Seconds per scenario.")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads.")
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (a *_scale db is made).")
    parser.add_argument(
        "--fresh-cache",
        action="store_true",
        help="Empty the shared cache (rate-limit counters included) before each size.",
    )
    parser.add_argument("--tag", default="")
    parser.add_argument("--out", default=str(BENCH / "results"))
    args = parser.parse_args()
    args.scenarios = [name for name, _p, _c in SCENARIOS]
    return args


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    config = (
        Config("postgres", {}, postgres_admin=args.postgres)
        if args.postgres
        else Config("sqlite", {})
    )
    scratch = BENCH / "out" / dt.datetime.now().strftime("scale-%Y%m%d-%H%M%S")
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.node(),
        "cpus": os.cpu_count(),
        "platform": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "rounds": args.rounds,
        "duration": args.duration,
        "fresh_cache": args.fresh_cache,
        "config": bench_config(config, args, scratch),
    }
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H%M") + f"-{platform.node()}-scale"
    stem += f"-{config.name}" + (f"-{args.tag}" if args.tag else "")
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"{stem}.md").write_text(markdown(results, f"{stem}.svg"))
    (out / f"{stem}.svg").write_text(svg(results))
    print((out / f"{stem}.md").read_text())
    print(f"Wrote {out / stem}.json, .md and .svg in {results['elapsed_s']} s")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
