"""The `undersigned` front door: a new database is set up before a command needs it, and
commands that need none leave no database behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["UNDERSIGNED_DATA_DIR"] = str(folder / "data")
    return subprocess.run(
        [sys.executable, "-m", "undersigned", *args],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_command_on_a_new_database_sets_it_up_first(tmp_path: Path) -> None:
    done = run(tmp_path, "reconcile")
    assert done.returncode == 0, done.stderr
    assert "A new database: creating its tables" in done.stderr
    assert "Traceback" not in done.stderr
    again = run(tmp_path, "reconcile")
    assert again.returncode == 0 and "A new database" not in again.stderr


@pytest.mark.parametrize(
    "args",
    [("keygen", "--out", "keys"), ("verify", "--help"), ("witness", "--help")],
)
def test_commands_that_need_no_database_create_none(tmp_path: Path, args: tuple[str]) -> None:
    done = run(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "data" / "undersigned.sqlite3").exists()
