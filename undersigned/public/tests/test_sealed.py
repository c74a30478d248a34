"""What the server checks of what a browser sealed (public/sealed.py): the sign form's
initials with the name sealed, and the endorse form's contact sealed."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.test import Client
from nacl.public import SealedBox

from undersigned.lib.sealing import CONTACT_BOX_MAX, load_private_key, load_public_key, unseal
from undersigned.public.screening import started_token
from undersigned.public.tests.test_endorse import GOOD as ENDORSE
from undersigned.public.tests.test_sign import GOOD as SIGN
from undersigned.statements.models import Endorsement, FoundingInvite, Signature, Statement
from undersigned.test import TEST_KEYS, make_statement

pytestmark = pytest.mark.django_db
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def post(url: str, data: dict[str, str]) -> object:
    data = {"started": started_token(time.time() - 10), "org-started": "", **data}
    return Client().post(url, data, **ORIGIN)


def sealed(statement: Statement, fields: dict[str, str]) -> str:
    """What seal.js puts in a form: the fields in a sealed box, base64."""
    box = SealedBox(load_public_key(statement.public_key))
    return base64.b64encode(box.encrypt(json.dumps(fields, ensure_ascii=False).encode())).decode()


def opened(row: Signature | Endorsement) -> dict[str, object]:
    assert row.sealed is not None
    return unseal(load_private_key(TEST_KEYS[1]), bytes(row.sealed))


def sign(data: dict[str, str]) -> object:
    return post("/en/stop-the-war/sign/", {**SIGN, **data})


def test_initials_made_in_the_browser_are_shown_and_the_name_is_sealed() -> None:
    statement = make_statement()
    box = sealed(statement, {"name": "Олена Канарейка", "city": "Тверь", "affiliation": ""})
    response = sign({"name": "", "visibility": "3", "initials": "О.К.", "sealed_box": box})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.public_name, signature.visibility) == ("О.К.", 3)
    assert (opened(signature)["name"], opened(signature)["city"]) == ("Олена Канарейка", "Тверь")


@pytest.mark.parametrize("initials", ["", "O", "OK.", "O. K.", "1.", "<b>.", "A." * 61])
def test_initials_of_another_shape_are_refused(initials: str) -> None:
    statement = make_statement()
    box = sealed(statement, {"name": "Olena Kanareyka"})
    response = sign({"name": "", "visibility": "3", "initials": initials, "sealed_box": box})
    assert response.status_code == 400
    assert "could not be sealed in this browser" in response.content.decode()
    assert not Signature.objects.exists()


def test_more_initials_than_the_box_can_hold_names_for_are_refused() -> None:
    statement = make_statement()
    box = sealed(statement, {"name": "Ol"})  # 2 bytes: room for one or two initials, not 20
    refused = sign({"name": "", "visibility": "3", "initials": "A." * 20, "sealed_box": box})
    assert refused.status_code == 400
    taken = sign({"name": "", "visibility": "3", "initials": "O.", "sealed_box": box})
    assert taken.status_code == 302


def test_with_the_name_in_the_clear_the_server_makes_the_initials() -> None:
    statement = make_statement()
    box = sealed(statement, {"city": "Tver"})
    sent = {"name": "Anna Kovalenko", "visibility": "3", "initials": "X.Y.", "sealed_box": box}
    assert sign(sent).status_code == 302
    assert Signature.objects.get().public_name == "A.K."


def test_initials_without_a_box_are_ignored() -> None:
    make_statement()
    assert sign({"visibility": "3", "initials": "X.Y."}).status_code == 302
    assert Signature.objects.get().public_name == "A.K."


def endorse(data: dict[str, str]) -> object:
    return post("/en/stop-the-war/endorse/", {**ENDORSE, **data})


def test_the_contact_sealed_in_the_browser_is_stored_unread() -> None:
    statement = make_statement()
    box = sealed(statement, {"contact_name": "Kanareyka Contact"})
    response = endorse({"org-contact_name": "", "org-sealed_box": box})
    assert response.status_code == 302
    endorsement = Endorsement.objects.get()
    record = opened(endorsement)
    assert record["contact_name"] == "Kanareyka Contact"
    assert record["contact_email"] == "contact@union.example.org"
    assert record["organisation"] == "Free Union of Kyiv" == endorsement.name


def test_without_a_box_the_contact_name_is_required() -> None:
    make_statement()
    response = endorse({"org-contact_name": ""})
    assert response.status_code == 400
    assert "enter the contact person" in response.content.decode()


@pytest.mark.parametrize("box", ["bm90IGEgYm94", "!", "A" * 4000])
def test_a_contact_box_of_another_size_or_shape_is_refused(box: str) -> None:
    make_statement()
    response = endorse({"org-contact_name": "", "org-sealed_box": box})
    assert response.status_code == 400
    assert "could not be sealed in this browser" in response.content.decode()
    assert not Endorsement.objects.exists()


def test_a_contact_box_is_at_most_a_long_name_in_size() -> None:
    statement = make_statement()
    box = sealed(statement, {"contact_name": "я" * 300})
    assert len(base64.b64decode(box)) > CONTACT_BOX_MAX
    assert endorse({"org-contact_name": "", "org-sealed_box": box}).status_code == 400
    longest = sealed(statement, {"contact_name": "😀" * 120})
    assert endorse({"org-contact_name": "", "org-sealed_box": longest}).status_code == 302


def test_the_page_carries_the_key_and_the_box_for_the_endorse_form() -> None:
    statement = make_statement()
    html = Client().get("/en/stop-the-war/").content.decode()
    assert f'data-seal="endorse" data-seal-key="{statement.public_key}"' in html
    assert 'name="org-sealed_box"' in html and 'name="initials"' in html


def test_a_founding_signatory_seals_the_contact_too() -> None:
    statement = make_statement(state="draft")
    _invite, token = FoundingInvite.create(statement, label="Kyiv Union", by=None)
    html = Client().get(f"/en/invite/{token}/").content.decode()
    assert f'data-seal-key="{statement.public_key}"' in html
    assert html.count('integrity="sha384-') == 3
    box = sealed(statement, {"contact_name": "Kanareyka Founder"})
    data = {**ENDORSE, "org-contact_name": "", "org-sealed_box": box}
    assert Client().post(f"/en/invite/{token}/", data, **ORIGIN).status_code == 200
    endorsement = Endorsement.objects.get()
    assert endorsement.founding and opened(endorsement)["contact_name"] == "Kanareyka Founder"
