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
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
SLUG = "solidarity-against-war"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--path", choices=["sign", "confirm"], default="sign")
    parser.add_argument("--out", default="")
    parser.add_argument(
        "--plain", action="store_true", help="Only time the requests, without the profiler."
    )
    args = parser.parse_args()
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
    from django.test import Client

    from undersigned.public.screening import started_token
    from undersigned.statements.models import OutboxMessage

    # As the bench signs: the page's render time (a reader's seconds ago) and a distinct
    # email domain each, so no signature is quarantined.
    started = started_token(time.time() - 10)

    client = Client(HTTP_HOST="127.0.0.1:8000", HTTP_ORIGIN="http://127.0.0.1:8000")

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

    request: Callable[[int], None] = sign
    batches = 5 if args.plain else 1
    if args.path == "confirm":
        offset = 10**6
        for i in range(50 + args.n * batches):
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

        request = confirm
    for i in range(50):  # warm up: imports, templates, the connection
        request(-1 - i)
    what = f"{args.path} POSTs"
    if args.plain:
        timings = []
        for batch in range(batches):
            started = time.perf_counter()
            for i in range(args.n):
                request(batch * args.n + i)
            timings.append(1000 * (time.perf_counter() - started) / args.n)
        timings.sort()
        print(f"{args.n} {what} x 5: median {timings[2]:.3f} ms each (min {timings[0]:.3f})")
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    started = time.perf_counter()
    profiler.start()
    for i in range(args.n):
        request(i)
    profiler.stop()
    elapsed = time.perf_counter() - started
    header = (
        f"{args.n} {what} in {elapsed:.2f} s: {1000 * elapsed / args.n:.2f} ms each in one "
        f"process (SQLITE_SYNCHRONOUS={os.environ.get('SQLITE_SYNCHRONOUS', 'default')}, "
        "profiler overhead included)\n"
    )
    text = profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)
    lines = [line for line in text.splitlines() if _share(line, elapsed) >= 0.01 or not line]
    report = header + "\n".join(lines) + "\n"
    print(report)
    if args.out:
        Path(args.out).write_text(report)


def _share(line: str, elapsed: float) -> float:
    for token in line.replace("│", " ").replace("├─", " ").replace("└─", " ").split():
        try:
            return float(token) / elapsed
        except ValueError:
            continue
    return 1.0


if __name__ == "__main__":
    main()
