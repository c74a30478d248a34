from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from undersigned.lib.tlog import note
from undersigned.statements.models import AuditEntry, Witness
from undersigned.test import personas, staff_client

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


PAGE = "/control/witnesses/"


def test_only_staff_with_a_second_factor_see_the_witnesses_page() -> None:
    people = personas()
    assert staff_client(people["moderator"]).get(PAGE).status_code == 200
    assert staff_client(people["organiser"]).get(PAGE).status_code == 200
    assert staff_client(people["stranger"]).get(PAGE).status_code == 403
    anonymous = staff_client(people["anonymous"]).get(PAGE)
    assert anonymous.status_code == 302 and "/control/login/" in anonymous["Location"]


def test_a_moderator_registers_and_retires_a_witness_and_both_are_audited() -> None:
    moderator = personas()["moderator"]
    assert moderator is not None
    client = staff_client(moderator)
    vkey = note.Signer.generate("ngo.example/w", note.COSIGNATURE_V1).verifier.vkey
    response = client.post(PAGE, {"vkey": vkey, "public_name": "Memorial"})
    assert response.status_code == 302
    witness = Witness.objects.get(vkey=vkey)
    assert witness.active and witness.public_name == "Memorial"
    assert vkey in client.get(PAGE).content.decode()
    assert client.post(f"/control/witnesses/{witness.pk}/retire/").status_code == 302
    assert not Witness.objects.get(pk=witness.pk).active
    reasons = list(AuditEntry.objects.filter(actor=moderator).values_list("reason", flat=True))
    assert "registered witness ngo.example/w" in reasons and "retired witness" in reasons


def test_a_log_key_or_garbage_is_refused_with_a_plain_message() -> None:
    client = staff_client(personas()["moderator"])
    log_key = note.Signer.generate("site.example/log").verifier.vkey
    response = client.post(PAGE, {"vkey": log_key})
    assert response.status_code == 400 and "cosignature key" in response.content.decode()
    response = client.post(PAGE, {"vkey": "garbage"})
    assert response.status_code == 400 and "not a verifier key" in response.content.decode()
    assert not Witness.objects.exists()
