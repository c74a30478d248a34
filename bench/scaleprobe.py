"""What bench/scale.py measures beside wrk's scenarios, at each size: the deepest page of
the public signer list, `export` of every signer, and the longest stall that `purge`,
`reconcile` and `trending` cause to a signer signing meanwhile."""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from scenarios import SLUG
from sites import REPO, Site


def timed_get(site: Site, path: str, headers: dict[str, str] | None = None) -> float:
    """Milliseconds for one GET on a fresh connection, checked to be a 200."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    took = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    return took


def list_pages(site: Site, deepest: dict[str, Any]) -> dict[str, Any]:
    """Pages of the public signer list (/<slug>/signers/, keyset paged) opened by the cursors
    scaledb.py found: N at its deep end and N near its start, each asked once because each
    page is cached once rendered."""
    path = f"/en/{SLUG}/signers/?after="
    deep = [timed_get(site, path + cursor) for cursor in deepest["deep"]]
    shallow = [timed_get(site, path + cursor) for cursor in deepest["shallow"]]
    return {
        "deepest_page": deepest["deepest_page"],
        "deep_ms_median": round(statistics.median(deep), 1) if deep else None,
        "deep_ms_max": round(max(deep), 1) if deep else None,
        "shallow_ms_median": round(statistics.median(shallow), 1) if shallow else None,
    }


# The staff pages a moderator opens most: the dashboard's figures, the endorsement queue,
# the quarantined signatures (a count and the first page, then the second by its key), the
# audit log.
STAFF_PAGES = ["/control/", "/control/endorsements/", "/control/quarantine/", "/control/audit/"]


def staff_pages(site: Site, cookie: str, n: int = 5) -> dict[str, Any]:
    """Median and slowest milliseconds of N GETs of each staff page, logged in."""
    headers = {"Cookie": cookie}
    found: dict[str, Any] = {}
    for path in STAFF_PAGES:
        times = [timed_get(site, path, headers) for _ in range(n)]
        found[path] = {
            "ms_median": round(statistics.median(times), 1),
            "ms_max": round(max(times), 1),
        }
    return found


def export_all(site: Site, workdir: Path) -> dict[str, Any]:
    """`export` of every signer to a CSV file: seconds, peak resident memory, rows."""
    out = workdir / "export.csv"
    key = Path(site.env["UNDERSIGNED_DATA_DIR"]) / "keys" / "organisers.key"
    command = [sys.executable, "-m", "undersigned", "export", SLUG, "--key", str(key)]
    started = time.monotonic()
    child = subprocess.Popen(
        [*command, "--format", "csv", "--output", str(out)],
        env=site.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if child.returncode:
        raise SystemExit(f"export failed with {child.returncode}")
    with out.open("rb") as fh:
        rows = sum(1 for _line in fh) - 1
    out.unlink()
    return {"seconds": round(seconds, 1), "peak_mb": round(usage.ru_maxrss / 1024, 1), "rows": rows}


class SignLoop(threading.Thread):
    """One signer after another, each a fresh address and email, timing every request."""

    def __init__(self, site: Site, started: str, tag: str) -> None:
        super().__init__(daemon=True)
        self.site, self.started, self.tag = site, started, tag
        self.times: list[tuple[float, float, int]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=60)
        n = 0
        while not self.stopping.is_set() and n < 20_000:
            n += 1
            body = (
                f"name=Loop+Signer+{n}&email=l{self.tag}-{n}%40loop{n}.example.org&country=DE"
                f"&city=&affiliation=&visibility=2&started={self.started}"
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.site.url,
                "X-Forwarded-For": f"10.{77 + n // 65536 % 100}.{n // 256 % 256}.{n % 256}",
            }
            begin = time.monotonic()
            try:
                conn.request("POST", f"/en/{SLUG}/sign/", body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=60)
                status = 0
            self.times.append((begin, time.monotonic(), status))
            time.sleep(0.005)  # a steady trickle, not a load test
        conn.close()

    def within(self, start: float, end: float) -> list[tuple[float, float, int]]:
        return [t for t in self.times if t[1] > start and t[0] < end]


def stall(site: Site, started: str, tag: str, *command: str) -> dict[str, Any]:
    """Run COMMAND while a signer signs; the longest sign before and during it."""
    loop = SignLoop(site, started, tag)
    loop.start()
    time.sleep(2)
    begin = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "undersigned", *command],
        env=site.env, cwd=REPO, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    end = time.monotonic()
    time.sleep(0.3)
    loop.stopping.set()
    loop.join(timeout=90)
    before = [b - a for a, b, _s in loop.times if b <= begin]
    during = loop.within(begin, end)
    spans = [b - a for a, b, _s in during]
    return {
        "command": " ".join(command),
        "exit": result.returncode,
        "seconds": round(end - begin, 2),
        "signs_during": len(during),
        "failed_during": sum(1 for _a, _b, s in during if s != 302),
        "max_ms_during": round(max(spans) * 1000, 1) if spans else None,
        # On a shared machine the longest of thousands of signs is mostly its noise: how
        # many went past 100 ms, and the 99.9th percentile, say more.
        "over_100ms_during": sum(1 for span in spans if span > 0.1),
        "p999_ms_during": round(sorted(spans)[int(len(spans) * 0.999)] * 1000, 1)
        if spans
        else None,
        "max_ms_before": round(max(before) * 1000, 1) if before else None,
        "median_ms_before": round(statistics.median(before) * 1000, 1) if before else None,
        "output": result.stdout.strip().splitlines()[-1:] if result.stdout else [],
    }
