"""`undersigned check --deploy` is clean for production-like settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest


def check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT", "HSTS_PRELOAD")
        and not k.startswith("EMAIL_")
    }
    env.update(
        {
            "UNDERSIGNED_DATA_DIR": str(tmp_path),
            "SITE_URL": "https://sign.example.org",
            "ALLOWED_HOSTS": "sign.example.org",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "EMAIL_HOST": "smtp.example.org",
            **extra,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "undersigned", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_for_production(tmp_path: Path) -> None:
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr.upper()


@pytest.mark.slow
def test_check_deploy_would_catch_debug(tmp_path: Path) -> None:
    result = check(tmp_path, DEBUG="true")
    assert result.returncode != 0 and "security.W018" in result.stderr


@pytest.mark.slow
def test_check_deploy_fails_without_a_real_smtp_server(tmp_path: Path) -> None:
    result = check(tmp_path, EMAIL_HOST="")
    assert result.returncode != 0 and "undersigned.E001" in result.stderr
    result = check(tmp_path, EMAIL_HOST="", EMAIL_TO_CONSOLE="true")
    assert result.returncode != 0 and "undersigned.E001" in result.stderr
