"""Offer a live site more signatures than it can write, and see what it answers.

Issue 14's overload suite (tests/test_overload.py). A small asyncio HTTP/1.1 client over
keep-alive loopback connections, open loop: each request is sent at its due time, whether
or not earlier ones were answered, as a crowd would. Its latency counts from when it was
sent; how far the client fell behind its schedule (its lag, when the machine starves the
client itself) is reported apart, and the offered rate is what was really sent. First it
measures the sign capacity (acknowledged signatures a second, closed loop) for a few
seconds, then offers RATIO times that for SECONDS, with a page or count request in every
ten, then notes how soon a new signature is acknowledged once the load stops. The figures:
capacity, offered rate, answered, 503s, acknowledged, p99 latency, recovery time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from undersigned.test.live import LiveSite

T = TypeVar("T")

SLUG = "solidarity-against-war"
TIMEOUT = 10.0  # a request unanswered after this long counts as a timeout


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

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind]

    @property
    def acknowledged(self) -> list[str]:
        return [o.address for o in self.of("sign") if o.status == 302]

    def p(self, kind: str, share: float) -> float:
        latencies = sorted(o.latency for o in self.outcomes if o.kind in kind.split("+"))
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else 0

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
            f"{self.seconds:.0f} s"
        )

    @property
    def lag_p99(self) -> float:
        lags = sorted(o.lag for o in self.outcomes)
        return lags[int(0.99 * len(lags))] if lags else 0.0


class Client:
    """Requests to SITE over keep-alive connections, one request at a time on each."""

    def __init__(self, site: LiveSite, tag: str) -> None:
        self.site, self.tag, self.n = site, tag, 0
        self.host = f"127.0.0.1:{site.port}"

    def next_sign(self) -> tuple[str, bytes]:
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


async def _exchange(
    conn: list[asyncio.StreamReader | asyncio.StreamWriter | None], port: int, request: bytes
) -> tuple[int, str]:
    """Send REQUEST on CONN (opened or reopened as needed); the status and Retry-After."""
    if conn[0] is None:
        conn[0], conn[1] = await asyncio.open_connection("127.0.0.1", port)
    reader, writer = conn[0], conn[1]
    assert isinstance(reader, asyncio.StreamReader) and isinstance(writer, asyncio.StreamWriter)
    writer.write(request)
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    if headers.get("connection") == "close":
        writer.close()
        conn[0] = conn[1] = None
    return status, headers.get("retry-after", "")


async def _send(
    conn: list[asyncio.StreamReader | asyncio.StreamWriter | None],
    port: int,
    kind: str,
    request: bytes,
    due: float,
    address: str = "",
) -> Outcome:
    lag = time.monotonic() - due
    try:
        status, retry = await asyncio.wait_for(_exchange(conn, port, request), TIMEOUT)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        writer = conn[1]
        if isinstance(writer, asyncio.StreamWriter):
            writer.close()
        conn[0] = conn[1] = None
        status, retry = 0, ""
    return Outcome(kind, status, time.monotonic() - due - lag, retry, address, lag)


async def capacity(site: LiveSite, seconds: float = 4.0, clients: int = 6) -> float:
    """Acknowledged signatures a second, closed loop with CLIENTS connections."""
    client = Client(site, "cap")
    acknowledged = 0
    end = time.monotonic() + seconds

    async def loop() -> None:
        nonlocal acknowledged
        conn: list[asyncio.StreamReader | asyncio.StreamWriter | None] = [None, None]
        while time.monotonic() < end:
            address, request = client.next_sign()
            outcome = await _send(conn, site.port, "sign", request, time.monotonic(), address)
            acknowledged += outcome.status == 302

    await asyncio.gather(*(loop() for _ in range(clients)))
    return acknowledged / seconds


async def offer(site: LiveSite, figures: Figures, rate: float, seconds: float) -> None:
    """Open loop: RATE requests a second for SECONDS, every tenth a page or the count."""
    client = Client(site, "load")
    total = int(rate * seconds)
    queue: asyncio.Queue[tuple[str, bytes, float, str] | None] = asyncio.Queue()
    connections = 400

    async def worker() -> None:
        conn: list[asyncio.StreamReader | asyncio.StreamWriter | None] = [None, None]
        while (item := await queue.get()) is not None:
            kind, request, due, address = item
            figures.outcomes.append(await _send(conn, site.port, kind, request, due, address))

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.monotonic()
    for i in range(total):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if i % 20 == 10:
            queue.put_nowait(("page", client.get(f"/en/{SLUG}/"), due, ""))
        elif i % 20 == 0:
            queue.put_nowait(("count", client.get(f"/count/{SLUG}.json"), due, ""))
        else:
            address, request = client.next_sign()
            queue.put_nowait(("sign", request, due, address))
        figures.sent += 1
    figures.offered_rate = figures.sent / max(time.monotonic() - start, 1e-9)
    stopped = time.monotonic()
    figures.recovery = await _recovery(site, stopped)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)


async def _recovery(site: LiveSite, stopped: float, within: float = 5.0) -> float | None:
    """Seconds from the end of the load until a new signature is acknowledged."""
    client = Client(site, "after")
    conn: list[asyncio.StreamReader | asyncio.StreamWriter | None] = [None, None]
    while time.monotonic() - stopped < within:
        address, request = client.next_sign()
        outcome = await _send(conn, site.port, "sign", request, time.monotonic(), address)
        if outcome.status == 302:
            return time.monotonic() - stopped
        await asyncio.sleep(0.02)
    return None


async def warm_up(site: LiveSite, seconds: float = 3.0, clients: int = 8) -> None:
    """A worker's first requests load Django's views and templates (seconds on a busy
    machine), which is not the capacity to measure."""
    client = Client(site, "warm")
    end = time.monotonic() + seconds

    async def loop() -> None:
        conn: list[asyncio.StreamReader | asyncio.StreamWriter | None] = [None, None]
        while time.monotonic() < end:
            for request in (client.next_sign()[1], client.get(f"/en/{SLUG}/")):
                await _send(conn, site.port, "warm", request, time.monotonic())

    await asyncio.gather(*(loop() for _ in range(clients)))


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: the browser tests' sync Playwright leaves an event
    loop running in the main thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run(site: LiveSite, ratio: float = 4.0, seconds: float = 20.0) -> Figures:
    started = time.monotonic()
    figures = Figures()
    _run(warm_up(site))
    figures.capacity = _run(capacity(site))
    _run(offer(site, figures, ratio * figures.capacity, seconds))
    figures.seconds = time.monotonic() - started
    return figures
