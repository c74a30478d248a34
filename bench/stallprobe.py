"""How long `purge` or `reconcile` holds a signer up, on a large site prepared once (issue 18).

    python bench/stallprobe.py prepare DIR --size 1000000 [--postgres URL]
    python bench/stallprobe.py run DIR [--command purge] [--rounds 3] [--baseline]

`prepare` makes a site in DIR as bench/scale.py does (the demo statement, grown through the
bulk path to SIZE signatures) and keeps a copy of it: the data folder in DIR/seed and, with
--postgres, the database as a template (<name>_seed). `run` puts that copy back before each
round, starts `undersigned serve`, and runs COMMAND while one signer after another signs
(bench/scaleprobe.py's `stall`); with --baseline it then signs as long again with nothing
else running, since the longest of some thousand signs on a shared machine is not the
longest of the hundred in the two seconds before. Each round prints one JSON line with the
load average. With STALL_TRACE set in the environment the site's processes get it too (for
a tracing sitecustomize on PYTHONPATH). Every server started is stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scaleprobe import stall
from scenarios import form_started
from sites import BENCH, REPO, Config, Site, prepare_postgres


def config(workdir: Path) -> Config:
    saved = json.loads((workdir / "probe.json").read_text())
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(REPO)]))}
    if saved["database_url"]:
        env["DATABASE_URL"] = saved["database_url"]
    return Config("postgres" if saved["database_url"] else "sqlite", env)


def _psql(admin_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def prepare(workdir: Path, size: int, postgres: str) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    url = ""
    if postgres:
        name = urlsplit(postgres).path.lstrip("/")
        url = prepare_postgres(urlunsplit(urlsplit(postgres)._replace(path="/postgres")), name)
    (workdir / "probe.json").write_text(json.dumps({"database_url": url, "size": size}))
    site = Site(config(workdir), workdir)
    site.cli("demo", "--no-serve", "--port", str(site.port))
    started = time.monotonic()
    grown = subprocess.run(
        [sys.executable, str(BENCH / "scaledb.py"), "grow", str(size)],
        env=site.env, cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    print(f"grew: {grown} ({time.monotonic() - started:.0f} s)", flush=True)
    site.log.close()
    shutil.copytree(workdir / "data", workdir / "seed")
    if url:
        admin, name = _admin(url)
        _psql(admin, f'DROP DATABASE IF EXISTS "{name}_seed"')
        _psql(admin, f'CREATE DATABASE "{name}_seed" TEMPLATE "{name}"')


def _admin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def restore(workdir: Path, conf: Config) -> None:
    shutil.rmtree(workdir / "data", ignore_errors=True)
    shutil.copytree(workdir / "seed", workdir / "data")
    url = conf.env.get("DATABASE_URL")
    if url:
        admin, name = _admin(url)
        _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _psql(admin, f'CREATE DATABASE "{name}" TEMPLATE "{name}_seed"')
    subprocess.run(["sync"], check=True)  # the copy's writes are not the probe's


def one_round(workdir: Path, command: list[str], baseline: bool, n: int) -> dict[str, Any]:
    conf = config(workdir)
    restore(workdir, conf)
    site = Site(conf, workdir)
    try:
        site.start()
        started = form_started(site)
        load = os.getloadavg()
        found: dict[str, Any] = {"round": n, "loadavg": [round(x, 2) for x in load]}
        found["during"] = stall(site, started, f"r{n}x{int(time.time())}", *command)
        if baseline:
            seconds = min(found["during"]["seconds"], 300)
            code = f"import time; time.sleep({seconds})"
            found["baseline"] = stall(
                site, started, f"b{n}x{int(time.time())}", "shell", "-c", code
            )
        found["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        site.stop()
    return found


def run(workdir: Path, command: list[str], rounds: int, baseline: bool) -> None:
    results = []
    for n in range(1, rounds + 1):
        result = one_round(workdir, command, baseline, n)
        print(json.dumps(result), flush=True)
        results.append(result)
    during = [r["during"]["max_ms_during"] for r in results]
    summary = {"command": command, "max_ms_during": during, "median": statistics.median(during)}
    summary["seconds"] = [r["during"]["seconds"] for r in results]
    if baseline:
        summary["baseline_max_ms"] = [r["baseline"]["max_ms_during"] for r in results]
    print(json.dumps(summary), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["prepare", "run"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="", help="postgres://…/NAME: the probe's database")
    parser.add_argument("--command", default="purge", help="undersigned COMMAND, split on spaces")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    if args.action == "prepare":
        prepare(args.dir.resolve(), args.size, args.postgres)
    else:
        run(args.dir.resolve(), args.command.split(), args.rounds, args.baseline)


if __name__ == "__main__":
    main()
