from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from undersigned.lib import sealing
from undersigned.statements.models import Statement
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_keygen_writes_a_usable_pair_with_a_private_file(tmp_path: Path) -> None:
    call_command("keygen", out=tmp_path, stdout=io.StringIO())
    public = (tmp_path / "organisers.pub").read_text().strip()
    private = (tmp_path / "organisers.key").read_text().strip()
    blob = sealing.seal(public, {"ok": True})
    assert sealing.unseal(sealing.load_private_key(private), blob) == {"ok": True}
    assert stat.S_IMODE((tmp_path / "organisers.key").stat().st_mode) == 0o600


def test_keygen_never_overwrites_a_key(tmp_path: Path) -> None:
    call_command("keygen", out=tmp_path, stdout=io.StringIO())
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command("keygen", out=tmp_path, stdout=io.StringIO())


def test_createorganiser_prints_a_one_time_password_that_works() -> None:
    out = io.StringIO()
    call_command("createorganiser", "lead@example.org", stdout=out)
    password = out.getvalue().rsplit(": ", 1)[1].strip()
    user = get_user_model().objects.get(username="lead@example.org")
    assert user.is_staff and user.check_password(password)
    assert user.groups.filter(name="organisers").exists()


def test_createorganiser_rejects_a_bad_address() -> None:
    with pytest.raises(CommandError, match="not a valid email"):
        call_command("createorganiser", "nope", stdout=io.StringIO())


def test_publish_and_close_from_the_command_line() -> None:
    make_statement(state=Statement.State.DRAFT)
    call_command("publish", "stop-the-war", stdout=io.StringIO())
    assert Statement.objects.get().state == "published"
    call_command("publish", "stop-the-war", close=True, stdout=io.StringIO())
    assert Statement.objects.get().state == "closed"
    with pytest.raises(CommandError, match="Only a draft"):
        call_command("publish", "stop-the-war", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No statement"):
        call_command("publish", "nothing-here", stdout=io.StringIO())
