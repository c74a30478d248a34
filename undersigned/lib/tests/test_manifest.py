from __future__ import annotations

import io
import json
import zipfile

import pytest

from undersigned.lib import manifest
from undersigned.lib.manifest import PackageError

FILES = {
    "statement.pdf": b"%PDF-1.7 not really a pdf \x00\x01\x02",
    "signers.csv": "name,country\nОлена,UA\n".encode(),
    "how-to-check.txt": b"Run verify-package.\n",
}
ABOUT = {"statement": "stop-the-war", "kind": "full"}


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return manifest.generate_signing_keypair()


def build(keys: tuple[str, str], files: dict[str, bytes] | None = None) -> bytes:
    return manifest.package_bytes(files or FILES, ABOUT, manifest.load_signing_key(keys[1]))


def rezip(package: bytes, name: str, change: bytes) -> bytes:
    """The same archive with member NAME's content replaced by CHANGE."""
    members = manifest.read_members(io.BytesIO(package))
    members[name] = change
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return out.getvalue()


def flip(content: bytes, at: int) -> bytes:
    return content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1 :]


def test_canonical_json_is_the_same_bytes_for_the_same_data() -> None:
    a = manifest.canonical_json({"b": 1, "a": "ї"})
    b = manifest.canonical_json({"a": "ї", "b": 1})
    assert a == b == '{"a":"ї","b":1}\n'.encode()


def test_the_manifest_lists_the_sha256_of_every_file() -> None:
    listed = json.loads(manifest.build_manifest(FILES, ABOUT))
    assert listed["statement"] == "stop-the-war"
    assert listed["format"] == manifest.FORMAT
    assert set(listed["files"]) == set(FILES)
    for name, content in FILES.items():
        assert listed["files"][name]["sha256"] == manifest.sha256_hex(content)
        assert listed["files"][name]["size"] == len(content)


def test_a_good_package_verifies(keys: tuple[str, str]) -> None:
    checked = manifest.verify_package(io.BytesIO(build(keys)), manifest.load_verify_key(keys[0]))
    assert checked["statement"] == "stop-the-war"


def test_the_same_files_make_the_same_archive(keys: tuple[str, str]) -> None:
    assert build(keys) == build(keys)


@pytest.mark.parametrize("name", [*FILES, manifest.MANIFEST, manifest.SIGNATURE])
def test_one_changed_byte_anywhere_in_a_file_is_named(keys: tuple[str, str], name: str) -> None:
    package = build(keys)
    original = manifest.read_members(io.BytesIO(package))[name]
    verify_key = manifest.load_verify_key(keys[0])
    for at in range(len(original)):
        changed = rezip(package, name, flip(original, at))
        with pytest.raises(PackageError) as caught:
            manifest.verify_package(io.BytesIO(changed), verify_key)
        assert caught.value.file == name, (at, str(caught.value))


def test_a_damaged_byte_in_the_stored_archive_is_named(keys: tuple[str, str]) -> None:
    package = build(keys)
    members = manifest.read_members(io.BytesIO(package))
    verify_key = manifest.load_verify_key(keys[0])
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        infos = archive.infolist()
    named = 0
    for info in infos:
        # The member's compressed bytes start after its 30-byte local header and its name.
        start = info.header_offset + 30 + len(info.filename.encode())
        for at in range(start, start + info.compress_size):
            damaged = io.BytesIO(flip(package, at))
            try:
                manifest.verify_package(damaged, verify_key)
            except PackageError as exc:
                assert exc.file == info.filename
                named += 1
                continue
            # Deflate has padding bits that decode alike: then no file changed at all.
            assert manifest.read_members(damaged) == members, at
    assert named > sum(info.compress_size for info in infos) * 0.9


def test_another_key_is_refused_naming_the_signature(keys: tuple[str, str]) -> None:
    other = manifest.generate_signing_keypair()
    with pytest.raises(PackageError) as caught:
        manifest.verify_package(io.BytesIO(build(keys)), manifest.load_verify_key(other[0]))
    assert caught.value.file == manifest.SIGNATURE


def test_an_added_file_is_named(keys: tuple[str, str]) -> None:
    changed = rezip(build(keys), "extra.exe", b"MZ")
    with pytest.raises(PackageError) as caught:
        manifest.verify_package(io.BytesIO(changed), manifest.load_verify_key(keys[0]))
    assert caught.value.file == "extra.exe"


def test_a_missing_file_is_named(keys: tuple[str, str]) -> None:
    members = manifest.read_members(io.BytesIO(build(keys)))
    del members["signers.csv"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    with pytest.raises(PackageError) as caught:
        manifest.verify_package(io.BytesIO(out.getvalue()), manifest.load_verify_key(keys[0]))
    assert caught.value.file == "signers.csv"


def test_an_unsigned_package_checks_hashes_but_fails_with_a_key(keys: tuple[str, str]) -> None:
    package = manifest.package_bytes(FILES, ABOUT, None)
    assert manifest.verify_package(io.BytesIO(package), None)["kind"] == "full"
    with pytest.raises(PackageError) as caught:
        manifest.verify_package(io.BytesIO(package), manifest.load_verify_key(keys[0]))
    assert caught.value.file == manifest.SIGNATURE
    changed = rezip(package, "signers.csv", b"name\nforged\n")
    with pytest.raises(PackageError, match="signers.csv"):
        manifest.verify_package(io.BytesIO(changed), None)


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(PackageError, match="not a readable zip"):
        manifest.verify_package(io.BytesIO(b"hello"), None)


def test_malformed_keys_are_refused() -> None:
    with pytest.raises(PackageError, match="base64"):
        manifest.load_verify_key("not base64!")
    with pytest.raises(PackageError, match="32 bytes"):
        manifest.load_signing_key("AAAA")


def test_sha256sums_reads_like_sha256sum() -> None:
    lines = manifest.sha256sums({"a.txt": b"a"}).splitlines()
    assert lines == [f"{manifest.sha256_hex(b'a')}  a.txt"]
