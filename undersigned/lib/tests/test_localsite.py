from __future__ import annotations

import os
from pathlib import Path

import pytest

from undersigned.lib.localsite import CommandFailed, run_command


def test_a_command_gives_its_output_and_a_failure_its_errors(tmp_path: Path) -> None:
    env = {**os.environ, "UNDERSIGNED_DATA_DIR": str(tmp_path / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    assert "serve" in run_command(env, "help", "--commands")
    with pytest.raises(
        CommandFailed, match="(?s)undersigned no-such-command failed:\n.*Unknown command"
    ):
        run_command(env, "no-such-command")
