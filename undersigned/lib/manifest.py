"""A delivery package: a zip of files, a manifest of their SHA-256, and its Ed25519 signature.

Framework-free. The recipient of a statement (a ministry, an embassy, the press) can check
that not one byte changed since the organisers made the package: the manifest lists every
file's hash, and the signature file signs the manifest's own hash with the organisers'
signing key. Verification names the file that does not match.

Why the signature covers a line holding the manifest's hash rather than the manifest
itself: so that a damaged signature file and a damaged manifest can be told apart. If the
signature over the line holds, the line is authentic, and a manifest that does not hash to
it is the file that changed; if it does not hold, the signature file is.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FORMAT = "undersigned-package/1"
SIGNATURE_FORMAT = "undersigned-package-signature/1"
# Every member gets this date, so the same files make the same archive.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """The package does not check out; FILE names the member at fault, if one is."""

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file


def generate_signing_keypair() -> tuple[str, str]:
    """Return (public, private) Ed25519 keys as base64 text (the private one is the seed)."""
    key = SigningKey.generate()
    return (
        base64.b64encode(bytes(key.verify_key)).decode(),
        base64.b64encode(bytes(key)).decode(),
    )


def _decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise PackageError(f"The {what} is not valid base64.") from None
    if len(raw) != 32:
        raise PackageError(f"The {what} must be 32 bytes, not {len(raw)}.")
    return raw


def load_signing_key(text: str) -> SigningKey:
    return SigningKey(_decode(text, "signing key"))


def load_verify_key(text: str) -> VerifyKey:
    return VerifyKey(_decode(text, "public signing key"))


def public_key_of(key: SigningKey) -> str:
    return public_key_of_verify(key.verify_key)


def public_key_of_verify(key: VerifyKey) -> str:
    return base64.b64encode(bytes(key)).decode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant spaces, UTF-8: the same data always gives the same bytes."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode() + b"\n"


def build_manifest(files: Mapping[str, bytes], about: Mapping[str, Any]) -> bytes:
    """The manifest of FILES (name → content) with ABOUT (statement, date, kind) beside it."""
    for name in (MANIFEST, SIGNATURE):
        if name in files:
            raise ValueError(f"{name} is written by the package itself")
    listed = {
        name: {"sha256": sha256_hex(content), "size": len(content)}
        for name, content in sorted(files.items())
    }
    return canonical_json({**about, "format": FORMAT, "files": listed})


def signed_line(manifest: bytes) -> bytes:
    return f"manifest-sha256: {sha256_hex(manifest)}".encode()


def sign_manifest(manifest: bytes, key: SigningKey) -> bytes:
    line = signed_line(manifest)
    return _signature_file(line.decode(), key.sign(line).signature)


def _signature_file(line: str, signature: bytes) -> bytes:
    encoded = base64.b64encode(signature).decode()
    return f"{SIGNATURE_FORMAT}\n{line}\ned25519: {encoded}\n".encode()


def write_package(
    out: str | Path | IO[bytes],
    files: Mapping[str, bytes],
    about: Mapping[str, Any],
    key: SigningKey | None,
) -> bytes:
    """Write the zip: FILES, the manifest and, with KEY, its signature. Returns the manifest.

    A package without a key (the public one, made on the server, which never holds the
    organisers' signing key) has hashes but no signature: it shows damage, not forgery.
    """
    manifest = build_manifest(files, about)
    members = dict(sorted(files.items()))
    members[MANIFEST] = manifest
    if key is not None:
        members[SIGNATURE] = sign_manifest(manifest, key)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return manifest


def package_bytes(
    files: Mapping[str, bytes], about: Mapping[str, Any], key: SigningKey | None
) -> bytes:
    buffer = io.BytesIO()
    write_package(buffer, files, about, key)
    return buffer.getvalue()


def read_members(source: str | Path | IO[bytes]) -> dict[str, bytes]:
    """Every member's content; a member whose stored bytes are damaged is named."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"This is not a readable zip archive: {exc}") from None
    members: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            try:
                members[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise PackageError(
                    f"{info.filename}: its stored bytes are damaged ({exc}).", info.filename
                ) from None
    return members


def _check_signature(manifest: bytes, signature_file: bytes, key: VerifyKey) -> None:
    try:
        header, line, sig_line = signature_file.decode().splitlines()
        if header != SIGNATURE_FORMAT or not sig_line.startswith("ed25519: "):
            raise ValueError("unknown format")
        signature = base64.b64decode(sig_line.removeprefix("ed25519: "), validate=True)
        key.verify(line.encode(), signature)
        # Base64 and line ends have spellings that decode alike; only the canonical one is
        # the file that was written, so any other byte is a change.
        if signature_file != _signature_file(line, signature):
            raise ValueError("not the canonical signature file")
    except (ValueError, BadSignatureError):
        raise PackageError(
            f"{SIGNATURE}: the signature does not match this public key (the signature file "
            "was changed, or the package was signed with another key).",
            SIGNATURE,
        ) from None
    if line.encode() != signed_line(manifest):
        raise PackageError(
            f"{MANIFEST}: changed since it was signed (its SHA-256 is not the signed one).",
            MANIFEST,
        )


def verify_package(source: str | Path | IO[bytes], key: VerifyKey | None) -> dict[str, Any]:
    """Check the package; return its manifest, or raise PackageError naming the bad file.

    Without KEY only the hashes are checked (the public package is not signed).
    """
    members = read_members(source)
    manifest_bytes = members.get(MANIFEST)
    if manifest_bytes is None:
        raise PackageError(f"{MANIFEST} is missing.", MANIFEST)
    if key is not None:
        if SIGNATURE not in members:
            raise PackageError(f"{SIGNATURE} is missing: this package is not signed.", SIGNATURE)
        _check_signature(manifest_bytes, members[SIGNATURE], key)
    try:
        manifest = json.loads(manifest_bytes)
        listed = manifest["files"]
        if not isinstance(listed, dict) or manifest["format"] != FORMAT:
            raise ValueError("not a manifest")
    except (ValueError, KeyError, TypeError):
        raise PackageError(f"{MANIFEST} is not a package manifest.", MANIFEST) from None
    _check_files(members, listed)
    result: dict[str, Any] = manifest
    return result


def _check_files(members: Mapping[str, bytes], listed: Mapping[str, Any]) -> None:
    for name, entry in sorted(listed.items()):
        if name not in members:
            raise PackageError(f"{name}: listed in the manifest but missing.", name)
        content = members[name]
        if sha256_hex(content) != entry.get("sha256") or len(content) != entry.get("size"):
            raise PackageError(f"{name}: does not match its SHA-256 in the manifest.", name)
    for name in sorted(set(members) - set(listed) - {MANIFEST, SIGNATURE}):
        raise PackageError(f"{name}: not listed in the manifest.", name)


def sha256sums(files: Mapping[str, bytes]) -> str:
    """The hashes in `sha256sum -c` format, for a recipient without our tools."""
    return "".join(f"{sha256_hex(content)}  {name}\n" for name, content in sorted(files.items()))
