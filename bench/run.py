"""Benchmark the real server: `undersigned serve` (granian) on loopback, driven by wrk.

    python bench/run.py                        # SQLite, the default settings
    python bench/run.py --synchronous FULL,NORMAL
    python bench/run.py --postgres postgres://postgres@127.0.0.1:5432/bench \\
                        --redis redis://127.0.0.1:6379/6
    python bench/run.py --scenarios sign,confirm --no-bare   # one path, quicker

For each configuration it prepares a fresh data folder through the CLI (as an operator
would), fills the demo statement with confirmed signatures, starts `undersigned serve` with
its deployed defaults (one worker per core), then runs ROUNDS rounds of seven bounded wrk
scenarios: a trivial view (this machine's ceiling), the statement page, the count endpoint,
the open data count and the embed (issue 15), sign submissions (distinct emails and client
addresses, through a trusted-proxy X-Forwarded-For, as a reverse proxy would send them) and
confirmations. After each sign scenario it checks that every acknowledged (302) signature is
in the database; at the end it checks that the counter shards agree with the rows and reads
each server process's resident memory. Each round also measures bare Django (bench/bare/,
the issue's yardstick) under the same granian set-up, so each figure can be given at the
machine speed the targets were set at. Figures are medians over the rounds; each is also
given as a ratio to the trivial view measured in the same round, which is what survives a
noisy shared machine.

Writes bench/results/<date>-<machine>[-<tag>].json and .md (or --out DIR), and prints the table.
Commit only the runs that bench/results/README.md cites: the older ones stay in git history.

The parts: bench/sites.py (the servers), bench/scenarios.py (wrk's scenarios and the
medians), bench/report.py (the table), bench/dbtool.py (fill and check the database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from report import errors_logged, markdown
from scenarios import SCENARIOS, SLUG, run_round, summarise, wrk
from sites import (
    BENCH,
    BareSite,
    Config,
    Site,
    clear_redis,
    drop_postgres,
    prepare_postgres,
)


def bench_config(config: Config, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    print(f"== {config.name}", flush=True)
    pg_name = ""
    if config.postgres_admin:
        base = urlsplit(config.postgres_admin).path.lstrip("/") or "postgres"
        pg_name = f"{base}_bench"
        config.env["DATABASE_URL"] = prepare_postgres(config.postgres_admin, pg_name)
    site = Site(config, out / config.name)
    bare = (
        BareSite(
            out / f"{config.name}-bare", int(site.env.get("SERVE_WORKERS") or os.cpu_count() or 1)
        )
        if args.bare
        else None
    )
    try:
        started = time.monotonic()
        site.cli("demo", "--no-serve", "--port", str(site.port))
        filled = site.db("fill", str(args.fill))
        print(f"  prepared and filled {args.fill} signatures in {time.monotonic() - started:.1f}s")
        site.start()
        wrk(site, f"/en/{SLUG}/", 8, 1, 1, "get")  # warm up: imports, templates, connections
        if bare is not None:
            bare.start()
            wrk(bare, "/page/", 8, 1, 1, "get")
        rounds = [
            run_round(site, i + 1, args.duration, args.threads, out, args.scenarios, bare)
            for i in range(args.rounds)
        ]
        memory = site.memory()
        stats = site.db("stats")
    finally:
        site.stop()
        if bare is not None:
            bare.stop()
        if pg_name:
            drop_postgres(config.postgres_admin, pg_name)
        if config.redis_url:
            clear_redis(config.redis_url, config.env["CACHE_KEY_PREFIX"])
    server_errors = errors_logged(site.workdir / "server.log")
    if server_errors:
        print(f"  the server logged errors:\n{server_errors}", flush=True)
    reconciled = (
        stats["shards"]["counted"] == stats["counted_rows"]
        and stats["shards"]["listed"] == stats["listed_rows"]
    )
    return {
        "name": config.name,
        "env": {k: v for k, v in config.env.items() if k != "DATABASE_URL"},
        "fill": filled,
        "rounds": rounds,
        "summary": summarise(rounds, bool(config.postgres_admin)),
        "memory": memory,
        "final": stats,
        "counts_reconcile": reconciled,
        # Kept with the figures: the scratch folder with the server's log is removed.
        "server_errors": server_errors,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5, help="Seconds per scenario.")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads.")
    parser.add_argument("--fill", type=int, default=3000, help="Confirmed signatures first.")
    parser.add_argument(
        "--synchronous", default="", help="SQLite synchronous values to compare, e.g. FULL,NORMAL"
    )
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (a *_bench db is made).")
    parser.add_argument("--redis", default="", help="Redis URL for the shared cache.")
    parser.add_argument(
        "--env", action="append", default=[], help="KEY=VALUE for the server, repeatable."
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(name for name, _p, _c in SCENARIOS),
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        help="Which scenarios to run, comma-separated (trivial is always run: it is the "
        "ceiling every figure is read against).",
    )
    parser.add_argument(
        "--bare",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Also measure bare Django (bench/bare/) in every round, the issue's yardstick.",
    )
    parser.add_argument("--tag", default="", help="Suffix for the result file names.")
    parser.add_argument("--out", default=str(BENCH / "results"))
    args = parser.parse_args()
    unknown = set(args.scenarios) - {name for name, _p, _c in SCENARIOS}
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if "trivial" not in args.scenarios:
        args.scenarios.insert(0, "trivial")
    return args


def configs_from(args: argparse.Namespace) -> list[Config]:
    """One configuration for PostgreSQL, or one per SQLite synchronous value."""
    extra = dict(item.split("=", 1) for item in args.env)
    configs: list[Config] = []
    if args.postgres:
        env = {**extra}
        if args.redis:
            env.update(REDIS_URL=args.redis, CACHE_KEY_PREFIX=f"bench{os.getpid()}")
        name = "postgres+redis" if args.redis else "postgres"
        configs.append(Config(name, env, postgres_admin=args.postgres, redis_url=args.redis))
    else:
        for value in [v.strip().upper() for v in args.synchronous.split(",") if v.strip()] or [""]:
            env = {**extra}
            if value:
                env["SQLITE_SYNCHRONOUS"] = value
            if args.redis:
                env.update(REDIS_URL=args.redis, CACHE_KEY_PREFIX=f"bench{os.getpid()}")
            name = "sqlite" + (f"-{value.lower()}" if value else "") + ("+redis" * bool(args.redis))
            configs.append(Config(name, env, redis_url=args.redis))
    return configs


def write(results: dict[str, Any], args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H%M") + f"-{platform.node()}"
    stem += f"-{args.tag}" if args.tag else ""
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (out / f"{stem}.md").write_text(table)
    print()
    print(table)
    print(f"Wrote {out / stem}.json and .md in {results['elapsed_s']} s")
    if out.resolve() == (BENCH / "results").resolve():
        print("Commit only the runs bench/results/README.md cites (see its first section).")


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    configs = configs_from(args)
    scratch = BENCH / "out" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.node(),
        "cpus": os.cpu_count(),
        "platform": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "rounds": args.rounds,
        "duration": args.duration,
        "configs": [bench_config(config, args, scratch) for config in configs],
    }
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    write(results, args)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
