from __future__ import annotations

import hashlib

import pytest

from undersigned.lib import sealing


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
