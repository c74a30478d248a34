"""Offer a live site more signatures than it can write, and see what it answers.

Issue 14's overload suite (tests/test_overload.py). A small asyncio HTTP/1.1 client over
keep-alive loopback connections, open loop: each request is sent at its due time on an idle
connection (a new one when none is idle), whether or not earlier ones were answered, as a
crowd would. Its latency counts from when it was sent; how far the client fell behind its
schedule (its lag, when the machine starves the client itself) is reported apart, and the
offered rate is what was really sent. First it measures the sign capacity (acknowledged
signatures a second, closed loop) for a few seconds, then offers RATIO times that for
SECONDS, with a page or count request in every ten, then notes how soon a new signature is
acknowledged once the load stops. The figures: capacity, offered rate, answered, 503s,
acknowledged, p99 latency, recovery time.

The client runs in a process of its own (`run` starts this file as a script): in the test
process it shared the interpreter with pytest, and at four times the capacity it fell up to
a minute behind its schedule, so that the load it claimed was never offered. As a script it
imports nothing from Django.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from undersigned.test.live import LiveSite

SLUG = "solidarity-against-war"
TIMEOUT = 10.0  # a request unanswered after this long counts as a timeout
# Connections opened before the load, so that it does not start with a storm of connects;
# more are opened while it runs whenever none is idle.
POOL = 800


@dataclass
class Outcome:
    kind: str  # "sign", "page" or "count"
    status: int  # 0: no answer (timeout or connection error)
    latency: float  # from sending it to its answer
    retry_after: str = ""
    address: str = ""
    lag: float = 0.0  # from its due time until the client sent it


@dataclass
class Figures:
    capacity: float = 0.0
    offered_rate: float = 0.0
    sent: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    recovery: float | None = None
    seconds: float = 0.0
    connections: int = 0

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind]

    @property
    def acknowledged(self) -> list[str]:
        return [o.address for o in self.of("sign") if o.status == 302]

    def p(self, kind: str, share: float) -> float:
        latencies = sorted(o.latency for o in self.outcomes if o.kind in kind.split("+"))
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else 0

    @property
    def lag_p99(self) -> float:
        lags = sorted(o.lag for o in self.outcomes)
        return lags[int(0.99 * len(lags))] if lags else 0.0

    def line(self, database: str) -> str:
        signs = self.of("sign")
        count = {s: sum(1 for o in signs if o.status == s) for s in (302, 503)}
        unanswered = sum(1 for o in self.outcomes if o.status == 0)
        recovery = f"{self.recovery:.2f} s" if self.recovery is not None else "none"
        return (
            f"overload on {database}: capacity {self.capacity:.0f} signs/s, offered "
            f"{self.offered_rate:.0f} req/s ({len(signs)} signs, {len(self.outcomes) - len(signs)}"
            f" pages and counts), answered {len(self.outcomes) - unanswered} of {self.sent}, "
            f"503s {count[503]}, acknowledged {count[302]}, "
            f"p99 sign {self.p('sign', 0.99) * 1000:.0f} ms, "
            f"p99 page/count {self.p('page+count', 0.99) * 1000:.0f} ms, "
            f"max {max((o.latency for o in self.outcomes), default=0) * 1000:.0f} ms, "
            f"recovery {recovery}, client lag p99 {self.lag_p99 * 1000:.0f} ms, "
            f"{self.connections} connections, {self.seconds:.0f} s"
        )

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> Figures:
        data = json.loads(path.read_text())
        data["outcomes"] = [Outcome(**o) for o in data["outcomes"]]
        return cls(**data)


class Requests:
    """The bytes of each request to the site on PORT: signatures by distinct addresses."""

    def __init__(self, port: int, tag: str) -> None:
        self.tag, self.n = tag, 0
        self.host = f"127.0.0.1:{port}"

    def sign(self) -> tuple[str, bytes]:
        self.n += 1
        address = f"{self.tag}{self.n}@example.org"
        form = {"name": f"Load {self.n}", "email": address, "country": "UA", "visibility": "4"}
        body = urlencode(form).encode()
        head = (
            f"POST /en/{SLUG}/sign/ HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Origin: http://{self.host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return address, head.encode() + body

    def get(self, path: str) -> bytes:
        return f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode()


class Connection:
    """One keep-alive connection, opened when first used and again after a failure."""

    opened = 0  # how many connections the client opened in all

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        Connection.opened += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def exchange(self, request: bytes) -> tuple[int, str]:
        """Send REQUEST; the status and Retry-After of its answer, read whole."""
        if self.reader is None or self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            self.close()
        return status, headers.get("retry-after", "")


async def _send(
    conn: Connection, kind: str, request: bytes, due: float, address: str = ""
) -> Outcome:
    sent = time.monotonic()
    try:
        status, retry = await asyncio.wait_for(conn.exchange(request), TIMEOUT)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        conn.close()
        status, retry = 0, ""
    return Outcome(kind, status, time.monotonic() - sent, retry, address, sent - due)


async def warm_up(port: int, seconds: float = 3.0, clients: int = 8) -> None:
    """A worker's first requests load Django's views and templates (seconds on a busy
    machine), which is not the capacity to measure."""
    requests = Requests(port, "warm")
    end = time.monotonic() + seconds

    async def loop() -> None:
        conn = Connection(port)
        while time.monotonic() < end:
            for request in (requests.sign()[1], requests.get(f"/en/{SLUG}/")):
                await _send(conn, "warm", request, time.monotonic())
        conn.close()

    await asyncio.gather(*(loop() for _ in range(clients)))


async def capacity(port: int, seconds: float = 4.0, clients: int = 6) -> float:
    """Acknowledged signatures a second, closed loop with CLIENTS connections."""
    requests = Requests(port, "cap")
    acknowledged = 0
    end = time.monotonic() + seconds

    async def loop() -> None:
        nonlocal acknowledged
        conn = Connection(port)
        while time.monotonic() < end:
            address, request = requests.sign()
            outcome = await _send(conn, "sign", request, time.monotonic(), address)
            acknowledged += outcome.status == 302
        conn.close()

    await asyncio.gather(*(loop() for _ in range(clients)))
    return acknowledged / seconds


async def offer(port: int, figures: Figures, rate: float, seconds: float) -> None:
    """Open loop: RATE requests a second for SECONDS, every tenth a page or the count."""
    requests = Requests(port, "load")
    idle = [Connection(port) for _ in range(POOL)]
    await asyncio.gather(*(conn.open() for conn in idle))
    running: set[asyncio.Task[None]] = set()

    async def one(kind: str, request: bytes, due: float, address: str) -> None:
        conn = idle.pop() if idle else Connection(port)
        figures.outcomes.append(await _send(conn, kind, request, due, address))
        idle.append(conn)  # closed after a failure: reopened when next used

    total = int(rate * seconds)
    start = time.monotonic()
    for i in range(total):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if i % 20 == 10:
            item = ("page", requests.get(f"/en/{SLUG}/"), due, "")
        elif i % 20 == 0:
            item = ("count", requests.get(f"/count/{SLUG}.json"), due, "")
        else:
            address, request = requests.sign()
            item = ("sign", request, due, address)
        task = asyncio.create_task(one(*item))
        running.add(task)
        task.add_done_callback(running.discard)
        figures.sent += 1
    await asyncio.sleep(0)  # the last task sends
    figures.offered_rate = figures.sent / max(time.monotonic() - start, 1e-9)
    figures.recovery = await _recovery(port, time.monotonic())
    await asyncio.gather(*running)
    figures.connections = Connection.opened
    for conn in idle:
        conn.close()


async def _recovery(port: int, stopped: float, within: float = 5.0) -> float | None:
    """Seconds from the end of the load until a new signature is acknowledged."""
    requests = Requests(port, "after")
    conn = Connection(port)
    try:
        while time.monotonic() - stopped < within:
            address, request = requests.sign()
            outcome = await _send(conn, "sign", request, time.monotonic(), address)
            if outcome.status == 302:
                return time.monotonic() - stopped
            await asyncio.sleep(0.02)
        return None
    finally:
        conn.close()


async def measure(port: int, ratio: float, seconds: float) -> Figures:
    started = time.monotonic()
    figures = Figures()
    await warm_up(port)
    figures.capacity = await capacity(port)
    await offer(port, figures, ratio * figures.capacity, seconds)
    figures.seconds = time.monotonic() - started
    return figures


def run(site: LiveSite, ratio: float = 4.0, seconds: float = 20.0) -> Figures:
    """Measure SITE from a process of its own (this file as a script); its figures."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "figures.json"
        command = [sys.executable, __file__, str(site.port), str(ratio), str(seconds), str(out)]
        subprocess.run(command, check=True, timeout=seconds + 120)
        return Figures.load(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("ratio", type=float)
    parser.add_argument("seconds", type=float)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    asyncio.run(measure(args.port, args.ratio, args.seconds)).dump(args.out)


if __name__ == "__main__":
    main()
