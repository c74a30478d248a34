"""The README's "Your own statement" steps, run as written on an empty folder.

The statement file and the commands are taken from README.md's own code blocks, so the
README is the test: a newcomer who copies them gets a statement being served.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from undersigned.test import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def code_blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def commands(block: str) -> list[str]:
    """Shell commands, continuation lines joined, comments dropped."""
    joined = block.replace("\\\n", " ")
    lines = [line.split("  #", 1)[0].strip() for line in joined.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def translation(primary: str, language: str) -> str:
    """A translation file as the README describes: slug, language, title and demands."""
    front, body = primary.split("---\n")[1:3]
    keep = []
    for line in front.splitlines(keepends=True):
        key = line.split(":", 1)[0]
        if line.startswith(" ") or key in ("slug", "title", "demands"):
            keep.append(line)
        elif key == "language":
            keep.append(f"language: {language}\n")
    return "---\n" + "".join(keep) + "---\n" + body


def test_the_readme_steps_work_on_an_empty_folder(tmp_path: Path) -> None:
    section = readme_section("Your own statement")
    [statement] = code_blocks(section, "markdown")
    [steps] = code_blocks(section, "sh")
    (tmp_path / "statement.md").write_text(statement)
    for language in ("uk", "ru"):
        (tmp_path / f"statement.{language}.md").write_text(translation(statement, language))
    # `.venv/bin/undersigned` as the README says, from the folder the newcomer is in.
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "UNDERSIGNED_DATA_DIR": str(tmp_path / "data"),
        "SERVE_PORT": str(port),
        "SERVE_WORKERS": "1",
    }
    *setup, serve = commands(steps)
    assert serve.endswith("undersigned serve --with-worker")
    for command in setup:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
    server = subprocess.Popen(
        ["bash", "-c", f"exec {serve}"],
        cwd=tmp_path,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        page = fetch(f"http://127.0.0.1:{port}/en/stop-the-war/")
        assert "<h1>Stop the war</h1>" in page
        assert 'action="/en/stop-the-war/sign/"' in page  # published, with a key: signing is open
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def fetch(url: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
