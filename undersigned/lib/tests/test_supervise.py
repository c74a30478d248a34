from __future__ import annotations

import sys
import time

from undersigned.lib.supervise import MAX_DELAY, Child, Supervisor


def test_the_back_off_doubles_for_quick_failures_and_resets_after_a_stable_run() -> None:
    child = Child("x", ["true"])
    delays = []
    for _ in range(9):
        delays.append(child.delay(now=child.started + 1))
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0] and delays[-1] == MAX_DELAY
    assert child.delay(now=child.started + 6) == 0.5


def test_a_child_that_exits_is_started_again_and_the_others_keep_running() -> None:
    said: list[str] = []
    dies = Child("the dying one", [sys.executable, "-c", "raise SystemExit(3)"])
    lives = Child("the steady one", [sys.executable, "-c", "import time; time.sleep(30)"])
    supervisor = Supervisor([dies, lives], say=said.append)
    now = time.monotonic()
    for child in (dies, lives):
        child.start(now)
    steady = lives.process
    assert dies.process is not None
    dies.process.wait(timeout=10)
    supervisor.check(now + 0.1)
    assert said == ["serve: the dying one exited with status 3; restarting it in 0.5 s"]
    supervisor.check(now + 0.7)
    assert said[-1] == "serve: the dying one restarted (restart 1)"
    assert lives.process is steady and steady is not None and steady.poll() is None
    supervisor.stop()
    supervisor.wait(timeout=10)
    assert steady.poll() is not None
    logged = len(said)
    supervisor.check(now + 100)
    assert len(said) == logged and supervisor.restarts == 1, "nothing restarts once stopping"
