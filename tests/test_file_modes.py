"""Issue 14, item 11: the database, its WAL and SHM, the cache and the secrets are 0600."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Run inside one process, while its connection holds the WAL and SHM files open (the last
# connection to close removes them).
TOUCH = (
    "import os; from django.conf import settings; from django.core.cache import cache; "
    "cache.set('x', 1); from undersigned.statements.models import Statement; "
    "print(Statement.objects.count(), cache.get('x')); db = settings.DATABASES['default']['NAME']; "
    "print(*(oct(os.stat(str(db) + s).st_mode & 0o777) for s in ('-wal', '-shm')))"
)


def run(data: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["UNDERSIGNED_DATA_DIR"] = str(data)
    result = subprocess.run(
        [sys.executable, "-m", "undersigned", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),  # the usual default, which made them 0644
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_every_file_in_the_data_folder_is_for_its_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run(data, "demo", "--no-serve", "--port", "8999")
    counts, wal_shm = run(data, "shell", "-c", TOUCH).splitlines()[-2:]
    assert counts == "1 1"
    assert wal_shm == "0o600 0o600"
    names = {p.name for p in data.rglob("*")}
    assert {"undersigned.sqlite3", "secrets.json", "organisers.key"} <= names
    assert any(p.parent.name == "cache" for p in data.rglob("*")), names
    for path in [data, *data.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode & 0o077 == 0, f"{path.relative_to(tmp_path)} is {oct(mode)}"


@pytest.mark.slow
def test_an_old_data_folder_is_closed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    run(data, "check")
    assert data.stat().st_mode & 0o777 == 0o700
