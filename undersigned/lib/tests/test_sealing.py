from __future__ import annotations

import base64
import hashlib
import json

import pytest
from nacl.public import SealedBox

from undersigned.lib import sealing
from undersigned.lib.sealing import (
    BROWSER_BOX_MAX,
    CONTACT_BOX_MAX,
    browser_box,
    generate_keypair,
    load_private_key,
    load_public_key,
    seal,
    unseal,
)


def test_it_round_trips_a_sealed_box_with_the_private_key() -> None:
    public, private = sealing.generate_keypair()
    blob = sealing.seal(public, {"name": "Олена", "email": "o@example.org"})
    assert b"o@example.org" not in blob
    assert sealing.unseal(sealing.load_private_key(private), blob)["name"] == "Олена"


def test_it_refuses_a_wrong_private_key() -> None:
    public, _private = sealing.generate_keypair()
    _other_public, other_private = sealing.generate_keypair()
    blob = sealing.seal(public, {"x": 1})
    with pytest.raises(sealing.KeyError_, match="does not open"):
        sealing.unseal(sealing.load_private_key(other_private), blob)


@pytest.mark.parametrize("bad", ["not base64!", "AAAA", ""])
def test_it_rejects_malformed_keys(bad: str) -> None:
    with pytest.raises(sealing.KeyError_):
        sealing.load_public_key(bad)


def test_email_digest_is_keyed_normalised_and_per_statement() -> None:
    a = sealing.email_digest("k1", 1, " Anna@Example.org ")
    assert a == sealing.email_digest("k1", 1, "anna@example.org")
    assert a != sealing.email_digest("k1", 2, "anna@example.org")
    assert a != sealing.email_digest("k2", 1, "anna@example.org")
    assert a != hashlib.sha256(b"anna@example.org").hexdigest()


def test_server_encryption_round_trips_and_hides_the_address() -> None:
    blob = sealing.server_encrypt("secret", {"to": "x@example.org"})
    assert b"x@example.org" not in blob
    assert sealing.server_decrypt("secret", blob) == {"to": "x@example.org"}


def browser_sealed(public: str, fields: dict[str, str]) -> bytes:
    """What seal.js sends: the fields as JSON in libsodium's sealed box."""
    box = SealedBox(load_public_key(public))
    return bytes(box.encrypt(json.dumps(fields, ensure_ascii=False).encode()))


def test_a_box_sealed_in_the_browser_is_opened_with_the_rest() -> None:
    public, private = generate_keypair()
    inner = browser_sealed(public, {"name": "Олена", "city": "Тверь", "email": "ignored"})
    details = {"name": "", "city": "", "email": "o@example.org"}
    details["browser"] = base64.b64encode(inner).decode()
    opened = unseal(load_private_key(private), seal(public, details))
    assert opened == {"name": "Олена", "city": "Тверь", "email": "o@example.org"}


def test_a_browser_box_fills_only_the_fields_its_record_has() -> None:
    public, private = generate_keypair()
    inner = browser_sealed(public, {"contact_name": "Олена", "name": "Not the organisation"})
    details = {"organisation": "Union", "contact_name": "", "contact_email": "o@example.org"}
    details["browser"] = base64.b64encode(inner).decode()
    opened = unseal(load_private_key(private), seal(public, details))
    assert opened == {
        "organisation": "Union",
        "contact_name": "Олена",
        "contact_email": "o@example.org",
    }


def test_a_browser_box_never_replaces_a_field_the_server_received_filled_in() -> None:
    """A crafted POST with name A in the form and name B in the box: A is what the public
    saw (its initials), so A is what the target gets."""
    public, private = generate_keypair()
    inner = browser_sealed(public, {"name": "Name B", "city": "Тверь"})
    details = {"name": "Name A", "city": "", "email": "o@example.org"}
    details["browser"] = base64.b64encode(inner).decode()
    opened = unseal(load_private_key(private), seal(public, details))
    assert opened == {"name": "Name A", "city": "Тверь", "email": "o@example.org"}


def test_a_browser_box_must_have_a_sealed_box_size_and_shape() -> None:
    public, _private = generate_keypair()
    good = browser_sealed(public, {"name": "A"})
    assert browser_box(base64.b64encode(good).decode()) == good
    assert browser_box("not base64!") is None
    assert browser_box(base64.b64encode(b"x" * 49).decode()) is None
    assert browser_box(base64.b64encode(b"x" * (BROWSER_BOX_MAX + 1)).decode()) is None
    too_big_for_a_contact = base64.b64encode(b"x" * (CONTACT_BOX_MAX + 1)).decode()
    assert browser_box(too_big_for_a_contact) is not None
    assert browser_box(too_big_for_a_contact, CONTACT_BOX_MAX) is None
