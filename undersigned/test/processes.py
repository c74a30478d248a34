"""Finding and killing the processes of a live site, as a crash would (Linux /proc)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    try:  # a process can die (killed, restarted) while its /proc folder is read
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def find(root: int, needle: str) -> list[int]:
    """Processes under ROOT whose command line holds NEEDLE."""
    return [pid for pid in descendants(root) if needle in cmdline(pid)]


def granian_main(root: int) -> int | None:
    found = [pid for pid in find(root, "-m granian")]
    return found[0] if found else None


def granian_workers(root: int) -> list[int]:
    main = granian_main(root)
    if main is None:
        return []
    # Granian's workers are its child processes (multiprocessing's helper excluded).
    return [pid for pid in children(main) if "resource_tracker" not in cmdline(pid)]


def kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def wait_until(predicate: object, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(step)
    return False
