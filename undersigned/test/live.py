"""The real deployment for tests: ports, a loopback SMTP server, `undersigned serve` and the
worker in subprocesses, and plain HTTP requests over a socket."""

from __future__ import annotations

import contextlib
import email
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from undersigned.lib.localsite import run_command, start_serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


LINK_RE = re.compile(r"https?://[^\s\"<>]+/(confirm|manage)/([A-Za-z0-9_-]{32})/")


def links_in(message: Message) -> dict[str, str]:
    """The confirm and manage links in an email's text part, as {kind: url}."""
    text = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            text += payload.decode(part.get_content_charset() or "utf-8")
    return {m.group(1): m.group(0) for m in LINK_RE.finditer(text)}


@dataclass
class Mailbox:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    messages: list[Message] = field(default_factory=list)
    port: int = 0
    # While set, the server accepts a message's data but never answers: a sender is left
    # hanging mid-send, as with a slow or dead SMTP relay.
    stalled: bool = False

    def start(self) -> Mailbox:
        import asyncio

        from aiosmtpd.controller import Controller

        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                if mailbox.stalled:
                    await asyncio.sleep(3600)
                message = email.message_from_bytes(envelope.content)
                message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
                mailbox.messages.append(message)
                return "250 OK"

        self.port = self.port or free_port()  # started again after stop(): the same port
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"].split(",")]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise TimeoutError(f"{count} email(s) to {address} did not arrive in {timeout}s")


def postgres_url() -> str | None:
    """A PostgreSQL URL when the suite runs on PostgreSQL (TEST_DATABASE=postgres)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


@dataclass
class LiveSite:
    """The real deployment: `undersigned serve` (granian) and the worker, in subprocesses.

    Each site gets its own data folder and database, prepared through the CLI exactly as an
    operator would, so these tests cross the same HTTP stack and processes as production.
    """

    mailbox: Mailbox
    workers: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="undersigned-live-"))
        self.port = free_port()
        self.env = {
            **os.environ,
            "UNDERSIGNED_DATA_DIR": str(self.root / "data"),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.mailbox.port),
            "EMAIL_USE_TLS": "false",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "LOG_LEVEL": "INFO",
            **self.extra_env,
        }
        if "DJANGO_SETTINGS_MODULE" not in self.extra_env:  # a test may add to the settings
            self.env.pop("DJANGO_SETTINGS_MODULE", None)
        # A site given its own DATABASE_URL shares that database (the scale-out test).
        pg = None if "DATABASE_URL" in self.extra_env else postgres_url()
        if pg:
            self.database = f"undersigned_live_{os.getpid()}_{self.port}"
            _create_pg_database(pg, self.database)
            self.env["DATABASE_URL"] = pg.rsplit("/", 1)[0] + "/" + self.database
        else:
            self.database = ""
        self.log = open(self.root / "site.log", "wb")  # noqa: SIM115

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        return run_command(self.env, *args, timeout=120)

    def prepare(self) -> LiveSite:
        """Migrate, write keys and import + publish the demo statement."""
        self.cli("demo", "--no-serve", "--port", str(self.port))
        return self

    @property
    def private_key(self) -> str:
        return (self.root / "data" / "keys" / "organisers.key").read_text().strip()

    def start_server(self) -> None:
        options = ("--workers", str(self.workers), "--access-log")
        self.processes.append(start_serve(self.port, self.env, self.log, *options))
        wait_for_port(self.port)

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = subprocess.Popen(
            [sys.executable, "-m", "undersigned", "worker", "--idle", "0.1"],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(worker)
        return worker

    def start(self) -> LiveSite:
        self.start_server()
        self.start_worker()
        return self

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        self.log.close()
        if self.database:
            _drop_pg_database(postgres_url() or "", self.database)
        shutil.rmtree(self.root, ignore_errors=True)


def _create_pg_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_pg_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def http(
    method: str, url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One HTTP request over a real socket, without following redirects."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    body = urlencode(data).encode() if data is not None else None
    sent = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    if method == "POST":
        sent["Origin"] = f"{parts.scheme}://{parts.netloc}"
    sent.update(headers or {})
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    answer = Answer(
        response.status,
        {k.lower(): v for k, v in response.getheaders()},
        response.read().decode("utf-8", "replace"),
    )
    connection.close()
    return answer


# Environment for a LiveSite whose tests sign several addresses from 127.0.0.1 at once, as
# no single person would: the per-client abuse limits are relaxed there (the limits
# themselves are shown in tests/test_abuse_live.py through the same stack).
# For tests that watch /count/ move by one signature: P9 would publish "fewer than 10"
# (null) for every figure they see; tests/test_small_numbers.py checks P9 itself.
EXACT_COUNTS = {"SUPPRESS_BELOW": "0"}
RELAXED_LIMITS = {
    "SIGN_BURST_LIMIT": "1000/60",
    "SIGN_SUSTAINED_LIMIT": "1000/300",
    "SIGN_NO_POW_PER_DAY": "1000",
    "SIGN_MIN_FILL_SECONDS": "0",
}


class RestartingProxy:
    """A loopback TCP proxy between a site and its PostgreSQL server, to simulate a restart.

    The suite's PostgreSQL server is shared with every other test, so it cannot really be
    restarted; seen from the site, a restart is every connection dropped at once and the
    port refusing new ones until the server is back, which `restart()` does here.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._links: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> RestartingProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the port and drop every connection: the server is down."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            links, self._links = self._links, []
        for sock in links:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restart(self, down: float = 3.0) -> None:
        self.stop()
        time.sleep(down)
        self.start()

    def url(self, database_url: str) -> str:
        """DATABASE_URL with its host and port replaced by this proxy's."""
        parts = urlsplit(database_url)
        netloc = parts.netloc.rpartition("@")[0]
        netloc = f"{netloc}@127.0.0.1:{self.port}" if netloc else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed by stop()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._links += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    for sock in (source, sink):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
