"""The servers a bench run measures: undersigned under `undersigned serve`, and bare Django
(bench/bare/) under granian with the same workers; and the databases they are given."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from undersigned.lib.localsite import CommandFailed, run_command, start_serve

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


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


def cmdline(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes()).replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def wait_until_up(url: str, log: Path) -> None:
    # 60 s: on the shared machine (load average 20) a start has taken over 30.
    deadline = time.monotonic() + 60
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
        try:
            return run_command(self.env, *args, cwd=REPO)
        except CommandFailed as failed:
            raise SystemExit(str(failed)) from None

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
        self.process = start_serve(self.port, self.env, self.log, cwd=REPO)
        wait_until_up(f"{self.url}/healthz", self.workdir / "server.log")

    def memory(self) -> dict[str, Any]:
        """Resident memory of each process of the site. `serve` is a supervisor (Django loaded,
        lib/supervise.py) whose child is granian's main process, whose children are the
        workers that answer requests: three kinds, each labelled for what it is."""
        assert self.process is not None
        granian = [pid for pid in children_of(self.process.pid) if "granian" in cmdline(pid)]
        return {
            "supervisor_mb": rss_mb(self.process.pid),
            "granian_main_mb": [rss_mb(pid) for pid in granian],
            "workers_mb": sorted(rss_mb(pid) for main in granian for pid in children_of(main)),
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
