"""Issue 14, item 6: `serve` keeps serving when granian gives up, and restarts the worker."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from undersigned.test import RELAXED_LIMITS, LiveSite, Mailbox, http, wait_for_port
from undersigned.test.processes import find, granian_main, granian_workers, kill, wait_until

SLUG = "solidarity-against-war"


@pytest.fixture
def supervised(mailbox: Mailbox) -> Iterator[tuple[LiveSite, subprocess.Popen[bytes]]]:
    site = LiveSite(mailbox, extra_env=RELAXED_LIMITS).prepare()
    serve = subprocess.Popen(
        [sys.executable, "-m", "undersigned", "serve", "--with-worker"]
        + ["--port", str(site.port), "--workers", "1"],
        env=site.env,
        stdout=site.log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    site.processes.append(serve)
    wait_for_port(site.port)
    yield site, serve
    site.stop()


def answers(site: LiveSite) -> bool:
    try:
        return http("GET", f"{site.url}/en/{SLUG}/").status == 200
    except OSError:
        return False


@pytest.mark.slow
def test_two_quick_worker_crashes_do_not_stop_the_site(
    supervised: tuple[LiveSite, subprocess.Popen[bytes]],
) -> None:
    site, serve = supervised
    assert wait_until(lambda: answers(site), 20)
    first_main = granian_main(serve.pid)
    for _ in range(2):  # granian's crash-loop rule: twice within 5.5 s and it exits
        assert wait_until(lambda: granian_workers(serve.pid), 20)
        [worker] = granian_workers(serve.pid)
        assert kill(worker)
        assert wait_until(lambda w=worker: granian_workers(serve.pid) not in ([], [w]), 20)
    assert wait_until(lambda: granian_main(serve.pid) not in (None, first_main), 30), (
        "granian gave up and serve started it again"
    )
    assert wait_until(lambda: answers(site), 30), "the site answers again"
    assert serve.poll() is None
    site.log.flush()
    log = (site.root / "site.log").read_text()
    assert "crash loop" in log.lower()
    assert "serve: the web server (granian) exited with status 1; restarting it in" in log


@pytest.mark.slow
def test_the_email_worker_is_restarted_and_delivers(
    supervised: tuple[LiveSite, subprocess.Popen[bytes]], mailbox: Mailbox
) -> None:
    site, serve = supervised
    assert wait_until(lambda: find(serve.pid, "undersigned worker"), 20)
    [worker] = find(serve.pid, "undersigned worker")
    assert kill(worker)
    assert wait_until(lambda: find(serve.pid, "undersigned worker") not in ([], [worker]), 20)
    assert wait_until(lambda: answers(site), 20)
    form = {"name": "Still Here", "email": "still@example.org", "country": "UA", "visibility": "1"}
    assert http("POST", f"{site.url}/en/{SLUG}/sign/", form).status == 302
    assert mailbox.wait_for("still@example.org")
    site.log.flush()
    assert "serve: the email worker exited with status -9" in (site.root / "site.log").read_text()
