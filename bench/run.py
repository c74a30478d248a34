"""Benchmark the real server: `undersigned serve` (granian) on loopback, driven by wrk.

    python bench/run.py                        # SQLite, the default settings
    python bench/run.py --synchronous FULL,NORMAL
    python bench/run.py --postgres postgres://postgres@127.0.0.1:5432/bench \\
                        --redis redis://127.0.0.1:6379/6
    python bench/run.py --scenarios sign,confirm --no-bare   # one path, quicker

For each configuration it prepares a fresh data folder through the CLI (as an operator
would), fills the demo statement with confirmed signatures, starts `undersigned serve` with
its deployed defaults (one worker per core), then runs ROUNDS rounds of five bounded wrk
scenarios: a trivial view (this machine's ceiling), the statement page, the count endpoint,
sign submissions (distinct emails and client addresses, through a trusted-proxy
X-Forwarded-For, as a reverse proxy would send them) and confirmations. After each sign
scenario it checks that every acknowledged (302) signature is in the database; at the end it
checks that the counter shards agree with the rows and reads each server process's resident
memory. Each round also measures bare Django (bench/bare/, the issue's yardstick) under the
same granian set-up, so each figure can be given at the machine speed the targets were set
at. Figures are medians over the rounds; each is also given as a ratio to the trivial view
measured in the same round, which is what survives a noisy shared machine.

Writes bench/results/<date>-<machine>[-<tag>].json and .md (or --out DIR), and prints the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LUA = BENCH / "load.lua"
SLUG = "solidarity-against-war"

# name, method, path, connections, target req/s (None: reference)
SCENARIOS = [
    ("trivial", "/healthz", 64),
    ("page", f"/en/{SLUG}/", 64),
    ("count", f"/count/{SLUG}.json", 64),
    ("sign", f"/en/{SLUG}/sign/", 16),
    ("confirm", "/en/confirm/%s/", 16),
]
TARGETS = {"page": 5500, "count": 10000, "sign": 900, "confirm": 500}
# Bare Django beside undersigned (bench/bare/), and what the issue measured it at when it set
# the targets: a figure times REFERENCE / bare-now is the figure at the machine speed.
BARE_SCENARIOS = [("bare_page", "/page/", 64), ("bare_sign", "/sign/", 16)]
BARE_REFERENCE = {"bare_page": 4500, "bare_sign": 2400}
YARDSTICK = {"page": "bare_page", "count": "bare_page", "sign": "bare_sign", "confirm": "bare_sign"}
TARGETS_POSTGRES = {**TARGETS, "sign": 600}
MIN_FILL_SECONDS = 3  # the server's SIGN_MIN_FILL_SECONDS default


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; the parent pid follows the closing paren.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def wait_until_up(url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server at {url} did not come up; see {log}")


def stop_group(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a server started in its own session, with its workers."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Config:
    name: str
    env: dict[str, str]
    postgres_admin: str = ""
    redis_url: str = ""


@dataclass
class Site:
    config: Config
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "UNDERSIGNED_DATA_DIR": str(self.workdir / "data"),
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            # wrk stands in for a reverse proxy on loopback: it sends each simulated client's
            # address in X-Forwarded-For, which is believed only from this address.
            "TRUSTED_PROXIES": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            **self.config.env,
        }
        for name in ("DJANGO_SETTINGS_MODULE", "EMAIL_HOST"):
            self.env.pop(name, None)
        self.log = open(self.workdir / "server.log", "ab")  # noqa: SIM115

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "undersigned", *args],
            env=self.env,
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if result.returncode:
            raise SystemExit(f"undersigned {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def db(self, *args: str) -> dict[str, Any]:
        result = subprocess.run(
            [sys.executable, str(BENCH / "dbtool.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if result.returncode:
            raise SystemExit(f"dbtool {' '.join(args)} failed:\n{result.stderr}")
        answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return answer

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "undersigned", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=REPO,
        )
        wait_until_up(f"{self.url}/healthz", self.workdir / "server.log")

    def memory(self) -> dict[str, Any]:
        assert self.process is not None
        workers = children_of(self.process.pid)
        return {
            "main_mb": rss_mb(self.process.pid),
            "workers_mb": sorted(rss_mb(pid) for pid in workers),
        }

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()


class BareSite:
    """Bare Django (bench/bare/) under granian with undersigned's worker count."""

    def __init__(self, workdir: Path, workers: int) -> None:
        self.workdir = workdir
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(BENCH),
            "DJANGO_SETTINGS_MODULE": "bare.settings",
            "BARE_DATA_DIR": str(workdir),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--run-syncdb", "-v", "0"],
            env=self.env, check=True, cwd=REPO,
        )  # fmt: skip
        self.log = open(self.workdir / "server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "granian", "--interface", "wsgi",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers), "--blocking-threads", "1", "--no-ws",
                "--no-access-log", "--log-level", "warning", "bare.wsgi:application",
            ],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=REPO,
        )  # fmt: skip
        wait_until_up(f"{self.url}/page/", self.workdir / "server.log")

    def stop(self) -> None:
        stop_group(self.process)
        if self.process:
            self.log.close()


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


def run_round(
    site: Site,
    round_no: int,
    duration: float,
    threads: int,
    out: Path,
    scenarios: list[str],
    bare: BareSite | None = None,
) -> dict[str, dict[str, Any]]:
    origin = site.url
    figures: dict[str, dict[str, Any]] = {}
    for name, path, connections in SCENARIOS:
        if name not in scenarios:
            continue
        if name == "trivial" and bare is not None:
            for bare_name, bare_path, bare_connections in BARE_SCENARIOS:
                mode = ("sign", f"bare{round_no}", bare_path, bare.url, "", "0")
                result = wrk(
                    bare, bare_path, bare_connections, duration, threads,
                    *(mode if bare_name == "bare_sign" else ("get",)),
                )  # fmt: skip
                result.pop("sent_by_thread", None)
                figures[bare_name] = result
                print(
                    f"  round {round_no} {bare_name:9} {result['rps']:>8.1f} req/s  "
                    f"p50 {result['p50_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:7.2f} ms"
                    f"  status {result['status']}",
                    flush=True,
                )
        if name == "sign":
            run = f"{os.getpid()}r{round_no}" + "".join(c for c in site.config.name if c.isalnum())
            started = form_started(site)
            result = wrk(
                site, "/", connections, duration, threads,
                "sign", run, path, origin, started, str(16 * round_no),
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
        elif name == "confirm":
            tokens_file = out / f"tokens-{site.config.name}-{round_no}.txt"
            tokens = site.db("tokens", str(tokens_file), str(int(2000 * duration)))
            before = site.db("stats")["confirmed"]
            result = wrk(
                site, path, connections, duration, threads,
                "confirm", str(tokens_file), path, origin, str(threads),
            )  # fmt: skip
            after = site.db("stats")["confirmed"]
            result["tokens"] = tokens["tokens"]
            result["confirmed"] = after - before
            result["confirmed_per_s"] = round((after - before) / result["seconds"], 1)
        else:
            result = wrk(site, path, connections, duration, threads, "get")
        result.pop("sent_by_thread", None)
        figures[name] = result
        print(
            f"  round {round_no} {name:8} {result['rps']:>9.1f} req/s  "
            f"p50 {result['p50_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:7.2f} ms  "
            f"status {result['status']}",
            flush=True,
        )
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
        if name == "sign":
            item["accepted_per_s"] = statistics.median(r["accepted_per_s"] for r in runs)
            item["all_acknowledged_stored"] = all(r["all_acknowledged_stored"] for r in runs)
            item["quarantined"] = sum(r.get("quarantined", 0) for r in runs)
        if name == "confirm":
            item["confirmed_per_s"] = statistics.median(r["confirmed_per_s"] for r in runs)
            item["tokens_reused"] = sum(r["wrapped"] for r in runs)
        summary[name] = item
    return summary


def prepare_postgres(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clear_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)


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


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Benchmark {results['date']} on {results['machine']}",
        "",
        f"{results['cpus']} cores, {results['platform']}; wrk on the same machine over loopback; "
        f"{results['rounds']} rounds of {results['duration']} s per scenario; medians. "
        "`× trivial` is the median ratio to the trivial view in the same round. "
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
            "| scenario | req/s | × trivial | at issue's speed | p50 ms | p99 ms | target req/s "
            "| note |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for name, _path, _c in [*SCENARIOS, *BARE_SCENARIOS]:
            if name not in s:
                continue
            item = s[name]
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
            lines.append(
                f"| {name} | {item['rps']:.0f} | {item['vs_trivial']:.2f} | "
                f"{scaled if scaled is not None else ''} | "
                f"{item['p50_ms']:.2f} | {item['p99_ms']:.2f} | {target} | {note} |"
            )
        memory = config["memory"]
        lines += [
            "",
            f"Resident memory: granian main {memory['main_mb']} MB, workers "
            f"{', '.join(str(m) for m in memory['workers_mb'])} MB (target < 120 MB each). "
            f"Counter shards reconcile with rows: {'yes' if config['counts_reconcile'] else 'NO'}"
            f" ({config['final']['counted_rows']} counted of {config['final']['signatures']}).",
        ]
        if config.get("server_errors"):
            lines += ["", "The server logged errors:", "", "```", config["server_errors"], "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
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
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    unknown = set(args.scenarios) - {name for name, _p, _c in SCENARIOS}
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if "trivial" not in args.scenarios:
        args.scenarios.insert(0, "trivial")
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
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
