"""Keep child processes running: restart each one that dies, with back-off, and say so.

`undersigned serve` runs granian (and with --with-worker the email worker) under this. Granian
respawns a crashed worker process itself, but when the same worker crashes twice within 5.5 s
it decides it is in a crash loop and exits, taking the whole site down (issue 14, item 6).
Here the site comes back: a child that exits on its own is started again after a delay that
doubles with each quick failure (0.5 s, 1 s, 2 s … at most 30 s) and resets once it has run
for 5 seconds (a process that fails as it starts is a crash loop; one that ran is not).
Stopping (SIGTERM, SIGINT) stops every child, and nothing is restarted.
Framework-free: only the standard library.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("undersigned.serve")

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
STABLE_AFTER = 5.0


@dataclass
class Child:
    name: str
    command: Sequence[str]
    # Its environment; None: this process's own.
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float | None = None

    def start(self, now: float) -> None:
        self.process = subprocess.Popen(list(self.command), env=self.env)  # noqa: S603 (fixed argument list)
        self.started, self.restart_at = now, None

    def delay(self, now: float) -> float:
        """The back-off before the next start: doubled by each exit soon after a start."""
        self.failures = 1 if now - self.started >= STABLE_AFTER else self.failures + 1
        return min(FIRST_DELAY * 2 ** (self.failures - 1), MAX_DELAY)


@dataclass
class Supervisor:
    children: list[Child]
    say: Callable[[str], None] = log.warning
    stopping: bool = False
    restarts: int = field(default=0)

    def stop(self, signum: int = signal.SIGTERM, frame: Any = None) -> None:
        self.stopping = True
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)

    def check(self, now: float) -> None:
        """Notice children that exited and start those whose back-off has passed."""
        if self.stopping:
            return
        for child in self.children:
            process = child.process
            if child.restart_at is None and process is not None and process.poll() is not None:
                wait = child.delay(now)
                child.restart_at = now + wait
                self.say(
                    f"serve: {child.name} exited with status {process.returncode}; "
                    f"restarting it in {wait:.1f} s"
                )
            if child.restart_at is not None and now >= child.restart_at:
                child.start(now)
                self.restarts += 1
                self.say(f"serve: {child.name} restarted (restart {self.restarts})")

    def run(self, poll: float = 0.2) -> None:
        """Start every child and keep them running until stop() is called."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for child in self.children:
            child.start(time.monotonic())
        while not self.stopping:
            time.sleep(poll)
            self.check(time.monotonic())
        self.wait()

    def wait(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
