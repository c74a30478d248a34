"""`undersigned demo` (and `make demo`) on another port: links and hreflang follow the port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from undersigned.test import Mailbox, free_port, http, links_in, wait_for_port

ROOT = Path(__file__).resolve().parents[3]
SLUG = "solidarity-against-war"
pytestmark = pytest.mark.slow


@contextmanager
def demo(args: list[str], env: dict[str, str]) -> Iterator[None]:
    root = Path(tempfile.mkdtemp(prefix="undersigned-demo-"))
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DATABASE_URL")}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "undersigned", "demo", *args],
        env={**clean, "UNDERSIGNED_DATA_DIR": str(root / "data"), "SERVE_WORKERS": "1", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        # The demo stops its server and worker itself; what is left after 10 s is killed
        # (how serve stops is tested with serve, not here).
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_demo_port_is_the_port_in_every_link(mailbox: Mailbox) -> None:
    port = free_port()
    smtp = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(mailbox.port), "EMAIL_USE_TLS": "false"}
    with demo(["--port", str(port)], smtp):
        wait_for_port(port, timeout=60)
        site = f"http://127.0.0.1:{port}"
        page = http("GET", f"{site}/en/{SLUG}/").body
        assert f'hreflang="uk" href="{site}/uk/{SLUG}/"' in page
        form = {"name": "Port Tester", "email": "port@example.org", "country": "UA"}
        assert http("POST", f"{site}/en/{SLUG}/sign/", {**form, "visibility": "1"}).status == 302
        links = links_in(mailbox.wait_for("port@example.org")[0])
        assert links["confirm"].startswith(f"{site}/en/confirm/")


def test_serve_port_from_the_environment_is_the_port_in_links() -> None:
    port = free_port()
    with demo([], {"SERVE_PORT": str(port)}):
        wait_for_port(port, timeout=60)
        page = http("GET", f"http://127.0.0.1:{port}/en/{SLUG}/").body
        assert f'href="http://127.0.0.1:{port}/en/{SLUG}/"' in page


def test_site_url_still_wins_over_the_port() -> None:
    port = free_port()
    with demo(["--port", str(port)], {"SITE_URL": "https://sign.example.org"}):
        wait_for_port(port, timeout=60)
        # An https SITE_URL redirects plain HTTP; the redirect names the address.
        answer = http("GET", f"http://127.0.0.1:{port}/en/{SLUG}/")
        assert answer.status == 301 and answer.headers["location"].startswith("https://")


def test_make_demo_takes_a_port() -> None:
    dry = subprocess.run(
        ["make", "-n", "demo", "PORT=8101"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert ".venv/bin/undersigned demo --port 8101" in dry.stdout
