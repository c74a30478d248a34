from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from undersigned.lib.supervise import Child, Supervisor

# Granian's default access-log line begins with the client address; ours leaves it out (P5).
ACCESS_LOG_FORMAT = '[%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'


def log_config() -> dict[str, Any]:
    """Granian's own logging set-up, with the filter that drops link tokens from paths."""
    from granian.log import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "undersigned.lib.logredact.RedactTokens"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    return config


def write_log_config() -> Path:
    path = Path(settings.DATA_DIR) / "granian-logging.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(log_config()))
    return path


def granian_command(
    host: str, port: int, workers: int, threads: int, access_log: bool
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--log-level",
        "warning",
        "--respawn-failed-workers",
        "--backlog",
        "2048",
    ]
    if access_log:
        command += ["--access-log", "--access-log-fmt", ACCESS_LOG_FORMAT]
        command += ["--log-config", str(write_log_config())]
    else:
        command += ["--no-access-log"]
    return [*command, "undersigned.wsgi:application"]


def use_port(port: int) -> None:
    """Serve on PORT: the server and worker processes read it, and without SITE_URL their
    email links and hreflang point at it (settings.py)."""
    os.environ["SERVE_PORT"] = str(port)


class Command(BaseCommand):
    help = "Serve the site with the production WSGI server (granian), optionally with the worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=settings.SERVE_HOST)
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT)
        parser.add_argument("--workers", type=int, default=settings.SERVE_WORKERS)
        parser.add_argument("--threads", type=int, default=settings.SERVE_THREADS)
        parser.add_argument("--with-worker", action="store_true", help="Also run the email worker.")
        parser.add_argument(
            "--access-log",
            action="store_true",
            default=os.environ.get("ACCESS_LOG", "").lower() in ("1", "true", "yes"),
            help="Write an access log (never with client addresses).",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        with_worker: bool,
        access_log: bool,
        **opts: Any,
    ) -> None:
        use_port(port)
        # The workers' admission control bounds its waiters by the threads they really have.
        os.environ["SERVE_THREADS"] = str(threads)
        children = [
            Child(
                "the web server (granian)",
                granian_command(host, port, workers, threads, access_log),
            )
        ]
        onion = onion_listener(workers, threads, access_log)
        if onion:
            children.append(onion)
        if with_worker:
            children.append(
                Child("the email worker", [sys.executable, "-m", "undersigned", "worker"])
            )
        also = " and the onion listener" if onion else ""
        also += " with the email worker" if with_worker else ""
        # The port only: the log holds no address of any kind (tests/ check for 127.0.0.1).
        self.stdout.write(f"Serving on port {port}{also} (Ctrl-C stops)")
        self.stdout.flush()
        # Whichever child dies is restarted with back-off, the others keep running: granian
        # exits on two quick crashes of a worker, and a site without its email worker
        # loses no data but sends no email (lib/supervise.py).
        Supervisor(children, say=self.say).run()

    def say(self, line: str) -> None:
        self.stderr.write(line)
        self.stderr.flush()


def onion_listener(workers: int, threads: int, access_log: bool) -> Child | None:
    """The second server, on ONION_LISTEN (host:port) for tor alone, if it is set: its
    process is the only one where requests for the onion address count as onion requests
    (UNDERSIGNED_ONION_LISTENER; undersigned/public/onion.py)."""
    listen = os.environ.get("ONION_LISTEN", "")
    if not listen:
        return None
    host, _colon, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"ONION_LISTEN must be host:port, not {listen!r}")
    if not settings.ONION_ADDRESS:
        raise CommandError("ONION_LISTEN needs ONION_ADDRESS (the service's .onion name)")
    command = granian_command(host.strip("[]"), int(port), workers, threads, access_log)
    env = {**os.environ, "UNDERSIGNED_ONION_LISTENER": "1"}
    return Child("the onion listener (granian)", command, env)
