"""The data folder (database, cache, generated keys) may not sit inside the source tree.

`undersigned/data/secrets.json` was once committed by a command run from inside the package
folder, where the default `./data` landed. Such a start now stops, with one line that says
why and what to do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from undersigned import settings as site_settings

PACKAGE = site_settings.BASE_DIR


@pytest.mark.parametrize("inside", ["data", "statements/data", "."])
def test_a_data_folder_inside_the_package_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, inside: str
) -> None:
    monkeypatch.setenv("UNDERSIGNED_DATA_DIR", str(PACKAGE / inside))
    with pytest.raises(ImproperlyConfigured, match="inside the source tree"):
        site_settings.data_dir()


def test_the_default_data_folder_from_inside_the_package_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("UNDERSIGNED_DATA_DIR", raising=False)
    monkeypatch.chdir(PACKAGE)
    with pytest.raises(ImproperlyConfigured, match="UNDERSIGNED_DATA_DIR"):
        site_settings.data_dir()


def test_a_data_folder_outside_the_package_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("UNDERSIGNED_DATA_DIR", str(tmp_path / "data"))
    assert site_settings.data_dir() == (tmp_path / "data").resolve()
    # A sibling whose name starts like the package's is outside it.
    monkeypatch.setenv("UNDERSIGNED_DATA_DIR", f"{PACKAGE}-data")
    assert site_settings.data_dir() == Path(f"{PACKAGE}-data")


def listing(folder: Path) -> list[str] | None:
    return sorted(str(p) for p in folder.rglob("*")) if folder.exists() else None


def test_the_command_says_why_in_one_line_and_writes_nothing() -> None:
    """As when the old `make makemessages` ran from inside the package."""
    before = listing(PACKAGE / "data")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("UNDERSIGNED_DATA_DIR", "DJANGO_SETTINGS_MODULE") and not k.endswith("_KEY")
    }
    result = subprocess.run(
        [sys.executable, "-m", "undersigned", "check"],
        cwd=PACKAGE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"undersigned: The data folder {PACKAGE / 'data'} is inside")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert listing(PACKAGE / "data") == before
