from __future__ import annotations

import base64

import pytest

from undersigned.lib.tlog import note

# golang.org/x/mod/sumdb/note's own test key and signed note (note_test.go, TestSign).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNED = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
    "XgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# The example of c2sp.org/signed-note.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppz"
    "i2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_it_signs_exactly_as_the_go_checksum_database_does() -> None:
    signer = note.Signer.parse(GO_SKEY)
    assert signer.skey == GO_SKEY
    assert signer.verifier.vkey == GO_VKEY
    assert note.sign_note(GO_TEXT, [signer]) == GO_SIGNED


def test_it_opens_the_spec_example_with_its_verifier_key() -> None:
    verifier = note.Verifier.parse(SPEC_VKEY)
    assert verifier.key_id == 0x530D903A and verifier.vkey == SPEC_VKEY
    opened = note.open_note(SPEC_NOTE, [verifier])
    assert opened.text == "This is an example message.\n" and verifier in opened.verified


def test_a_note_no_known_key_signed_is_refused() -> None:
    with pytest.raises(note.NoteError, match="no known key"):
        note.open_note(GO_SIGNED, [note.Verifier.parse(SPEC_VKEY)])


def test_a_known_key_with_a_bad_signature_rejects_the_whole_note() -> None:
    tampered = GO_SIGNED.replace("answer", "answex")
    with pytest.raises(note.NoteError, match="does not verify"):
        note.open_note(tampered, [note.Verifier.parse(GO_VKEY)])


def test_unknown_signatures_are_ignored_and_a_same_name_other_key_is_unknown() -> None:
    impostor = note.Signer.generate("PeterNeumann")
    signed = note.add_signature_lines(
        GO_SIGNED, [impostor.signature_line(GO_TEXT.encode()), _line("someone.else", b"x" * 68)]
    )
    opened = note.open_note(signed, [note.Verifier.parse(GO_VKEY)])
    assert len(opened.verified) == 1 and len(opened.signatures) == 3


def _line(name: str, raw: bytes) -> str:
    return f"— {name} {base64.b64encode(raw).decode()}\n"


def test_key_ids_follow_the_spec_recipe() -> None:
    verifier = note.Verifier.parse(GO_VKEY)
    assert note.key_id("PeterNeumann", 0x01, verifier.public_key) == 0xC74F20A3
    cosigner = note.Verifier("PeterNeumann", note.COSIGNATURE_V1, verifier.public_key)
    assert cosigner.key_id != 0xC74F20A3


def test_a_cosignature_is_timestamped_and_signs_the_v1_message() -> None:
    witness = note.Signer.generate("witness.example/w1", note.COSIGNATURE_V1)
    text = "example.com/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n"
    line = witness.signature_line(text.encode(), timestamp=1679315147)
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == witness.verifier.key_id.to_bytes(4, "big")
    assert int.from_bytes(raw[4:12], "big") == 1679315147 and len(raw) == 4 + 8 + 64
    message = b"cosignature/v1\ntime 1679315147\n" + text.encode()
    from nacl.signing import VerifyKey

    VerifyKey(witness.verifier.public_key).verify(message, raw[12:])
    log = note.Signer.generate("example.com/log")
    signed = note.add_signature_lines(note.sign_note(text, [log]), [line])
    opened = note.open_note(signed, [log.verifier, witness.verifier])
    assert opened.verified[witness.verifier] == 1679315147


def test_a_cosignature_over_another_time_does_not_verify() -> None:
    witness = note.Signer.generate("w", note.COSIGNATURE_V1)
    payload = bytearray(witness.sign(b"a\n", timestamp=100))
    payload[7] = 101
    assert witness.verifier.verify(b"a\n", bytes(payload)) is None
    assert witness.verifier.verify(b"a\n", witness.sign(b"a\n", timestamp=100)) == 100


@pytest.mark.parametrize(
    "bad",
    [
        "no blank line\n— PeterNeumann x08go\n",
        GO_TEXT + "\n— PeterNeumann !!!\n",
        GO_TEXT + "\n- PeterNeumann x08go/ZJk=\n",
        GO_TEXT.replace("\n", "\r\n") + "\n" + GO_SIGNED.split("\n\n")[1],
        GO_SIGNED.rstrip("\n"),
    ],
)
def test_malformed_notes_are_refused(bad: str) -> None:
    with pytest.raises(note.NoteError):
        note.open_note(bad, [note.Verifier.parse(GO_VKEY)])


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter+Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AhpcQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+",
    ],
)
def test_malformed_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(note.NoteError):
        note.Verifier.parse(vkey)


def test_add_signature_lines_adds_each_line_once() -> None:
    witness = note.Signer.generate("w", note.COSIGNATURE_V1)
    line = witness.signature_line(GO_TEXT.encode(), timestamp=5)
    once = note.add_signature_lines(GO_SIGNED, [line])
    assert note.add_signature_lines(once, [line]) == once and once.count("— w ") == 1
