from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from undersigned.lib.tlog import note
from undersigned.statements.models import Witness

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("witnesses", *args, stdout=out)
    return out.getvalue()


def test_a_witness_is_registered_listed_and_retired() -> None:
    vkey = note.Signer.generate("ngo.example/w", note.COSIGNATURE_V1).verifier.vkey
    assert "registered" in run("add", vkey, "--public-name", "Memorial")
    assert Witness.objects.get(vkey=vkey).public_name == "Memorial"
    assert f"active\tMemorial\t{vkey}" in run("list")
    assert "retired" in run("retire", vkey)
    assert not Witness.objects.get(vkey=vkey).active


def test_only_a_well_formed_cosignature_key_is_registered() -> None:
    log_key = note.Signer.generate("site.example/log").verifier.vkey
    with pytest.raises(CommandError, match="type 0x04"):
        run("add", log_key)
    with pytest.raises(CommandError, match="bad verifier key"):
        run("add", "not-a-key")
    with pytest.raises(CommandError, match="no such witness"):
        run("retire", note.Signer.generate("x", note.COSIGNATURE_V1).verifier.vkey)
    assert not Witness.objects.exists()
