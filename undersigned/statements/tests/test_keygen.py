from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from undersigned.lib import manifest


def test_keygen_writes_a_signing_pair_beside_the_sealing_pair(tmp_path: Path) -> None:
    call_command("keygen", out=tmp_path, stdout=io.StringIO())
    assert (tmp_path / "organisers.key").exists() and (tmp_path / "organisers.pub").exists()
    private = manifest.load_signing_key((tmp_path / "organisers-signing.key").read_text())
    public = (tmp_path / "organisers-signing.pub").read_text().strip()
    assert manifest.public_key_of(private) == public
    package = manifest.package_bytes({"a.txt": b"a"}, {}, private)
    assert manifest.verify_package(io.BytesIO(package), manifest.load_verify_key(public))
    mode = (tmp_path / "organisers-signing.key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_keygen_refuses_when_only_the_signing_key_exists(tmp_path: Path) -> None:
    (tmp_path / "campaign-signing.key").write_text("keep me\n")
    with pytest.raises(CommandError, match="campaign-signing.key exists"):
        call_command("keygen", out=tmp_path, name="campaign", stdout=io.StringIO())
    assert (tmp_path / "campaign-signing.key").read_text() == "keep me\n"
    assert not (tmp_path / "campaign.key").exists()
