"""Profile the signing and confirming paths: N POSTs through the whole Django stack.

    python bench/profile_sign.py [N] [--path sign|confirm] [--plain] [--out FILE]

Prepares a throwaway data folder through the CLI (SQLite, the default settings unless the
environment says otherwise), then posts N sign forms (or, with --path confirm, N confirmations
of signatures made first) with Django's test client, which runs the same middleware, form,
view and model code as the server, in this process so the profiler sees it all. Prints (and
with --out writes) pyinstrument's call tree, trimmed to frames that take at least 1% of the
time. With --plain it only times five batches of N requests and prints the median.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
SLUG = "solidarity-against-war"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--path", choices=["sign", "confirm"], default="sign")
    parser.add_argument("--out", default="")
    parser.add_argument(
        "--plain", action="store_true", help="Only time the requests, without the profiler."
    )
    return parser.parse_args()


def prepare() -> None:
    """A throwaway data folder with the demo statement, and Django set up on it."""
    data = Path(tempfile.mkdtemp(prefix="undersigned-profile-")) / "data"
    os.environ["UNDERSIGNED_DATA_DIR"] = str(data)
    os.environ.setdefault("TRUSTED_PROXIES", "127.0.0.1")
    subprocess.run(
        [sys.executable, "-m", "undersigned", "demo", "--no-serve"],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    import django

    django.setup()


def signer(client: Any) -> Callable[[int], None]:
    from undersigned.public.screening import started_token

    # As the bench signs: the page's render time (a reader's seconds ago) and a distinct
    # email domain each, so no signature is quarantined.
    started = started_token(time.time() - 10)

    def sign(i: int) -> None:
        # urlencoded, as a browser sends this form (the test client's default is multipart).
        form = {
            "started": started,
            "name": f"Profiled Signer {i}",
            "email": f"profile-{i}@d{i}.example.org",
            "country": "DE",
            "city": "Berlin",
            "visibility": str(i % 4 + 1),
        }
        response = client.post(
            f"/en/{SLUG}/sign/",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.9.{i // 256 % 256}.{i % 256}",
        )
        assert response.status_code == 302, response.status_code

    return sign


def confirmer(client: Any, sign: Callable[[int], None], count: int) -> Callable[[int], None]:
    """Confirmations of COUNT (and 50 for the warm-up) signatures made first."""
    from undersigned.statements.models import OutboxMessage

    offset = 10**6
    for i in range(50 + count):
        sign(offset + i)
    tokens = [
        message.open_payload()["confirm_token"]
        for message in OutboxMessage.objects.filter(kind="confirm").order_by("pk")
    ]

    def confirm(i: int) -> None:
        response = client.post(
            f"/en/confirm/{tokens[i + 50]}/",
            "",
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.8.{i // 256 % 256}.{i % 256}",
        )
        assert response.status_code == 200, response.status_code

    return confirm


def time_plain(request: Callable[[int], None], n: int, what: str) -> None:
    """Five batches of N requests without the profiler: the median time of one."""
    timings = []
    for batch in range(5):
        started = time.perf_counter()
        for i in range(n):
            request(batch * n + i)
        timings.append(1000 * (time.perf_counter() - started) / n)
    timings.sort()
    print(f"{n} {what} x 5: median {timings[2]:.3f} ms each (min {timings[0]:.3f})")


def profile(request: Callable[[int], None], n: int, what: str, out: str) -> None:
    """pyinstrument's call tree of N requests, trimmed to frames of at least 1 %."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    started = time.perf_counter()
    profiler.start()
    for i in range(n):
        request(i)
    profiler.stop()
    elapsed = time.perf_counter() - started
    header = (
        f"{n} {what} in {elapsed:.2f} s: {1000 * elapsed / n:.2f} ms each in one "
        f"process (SQLITE_SYNCHRONOUS={os.environ.get('SQLITE_SYNCHRONOUS', 'default')}, "
        "profiler overhead included)\n"
    )
    text = profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)
    lines = [line for line in text.splitlines() if _share(line, elapsed) >= 0.01 or not line]
    report = header + "\n".join(lines) + "\n"
    print(report)
    if out:
        Path(out).write_text(report)


def quarantined() -> int:
    from undersigned.statements.models import Signature

    return Signature.objects.filter(quarantined=True).count()


def main() -> None:
    args = parse_args()
    prepare()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1:8000", HTTP_ORIGIN="http://127.0.0.1:8000")
    request = signer(client)
    batches = 5 if args.plain else 1
    if args.path == "confirm":
        request = confirmer(client, request, args.n * batches)
    for i in range(50):  # warm up: imports, templates, the connection
        request(-1 - i)
    what = f"{args.path} POSTs"
    if args.plain:
        time_plain(request, args.n, what)
    else:
        profile(request, args.n, what, args.out)
    # A quarantined signature takes another path than a clean one: the figures would not be
    # of the signing path (the form's render time went stale in an earlier version).
    if count := quarantined():
        raise SystemExit(f"{count} of the signatures were quarantined: not the signing path")


def _share(line: str, elapsed: float) -> float:
    for token in line.replace("│", " ").replace("├─", " ").replace("└─", " ").split():
        try:
            return float(token) / elapsed
        except ValueError:
            continue
    return 1.0


if __name__ == "__main__":
    main()
