from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from undersigned.lib import manifest


def make(tmp_path: Path) -> tuple[Path, str, str]:
    public, private = manifest.generate_signing_keypair()
    path = tmp_path / "statement.zip"
    path.write_bytes(
        manifest.package_bytes({"a.txt": b"a"}, {}, manifest.load_signing_key(private))
    )
    return path, public, private


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify-package", *args, stdout=out)
    return out.getvalue()


def test_the_public_key_can_be_given_as_text_or_as_its_file(tmp_path: Path) -> None:
    path, public, _private = make(tmp_path)
    key_file = tmp_path / "organisers-signing.pub"
    key_file.write_text(public + "\n")
    assert f"signed by {public}" in verify(str(path), "--public-key", public)
    assert f"signed by {public}" in verify(str(path), "--public-key", str(key_file))


def test_a_missing_package_or_a_malformed_key_is_explained(tmp_path: Path) -> None:
    path, _public, _private = make(tmp_path)
    with pytest.raises(CommandError, match="Cannot read"):
        verify(str(tmp_path / "nope.zip"))
    with pytest.raises(CommandError, match="not valid base64"):
        verify(str(path), "--public-key", "!!!")
