"""`undersigned` commands and `undersigned serve` as child processes, as an operator runs
them: how the live tests (undersigned/test/live.py) and the bench (bench/sites.py) drive the
real deployment. Only the standard library, so the bench uses it without setting Django up.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import IO


class CommandFailed(RuntimeError):
    pass


def run_command(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float | None = None
) -> str:
    """`undersigned ARGS` with ENV; its output, or CommandFailed with its errors."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "undersigned", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
    if result.returncode:
        raise CommandFailed(f"undersigned {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def start_serve(
    port: int, env: dict[str, str], log: IO[bytes], *options: str, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """`undersigned serve` on PORT, writing to LOG, in a session of its own: stopping its
    process group stops the supervisor, granian and granian's workers together."""
    return subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "undersigned", "serve", "--port", str(port), *options],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=cwd,
    )
