"""C2SP tlog-checkpoint: the note text naming a log's origin, tree size and root hash."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .merkle import HASH_SIZE
from .note import NoteError, OpenedNote, Verifier, open_note

_SIZE_RE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise CheckpointError("a checkpoint ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise CheckpointError("a checkpoint is at least three non-empty lines")
        origin, size_text, root_text, *extensions = lines
        if not _SIZE_RE.fullmatch(size_text):
            raise CheckpointError(f"bad tree size {size_text!r}")
        try:
            root = base64.b64decode(root_text, validate=True)
        except ValueError as error:
            raise CheckpointError("bad root hash") from error
        if len(root) != HASH_SIZE or base64.b64encode(root).decode() != root_text:
            raise CheckpointError("bad root hash")
        return cls(origin, int(size_text), root, tuple(extensions))


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: OpenedNote


def open_checkpoint(
    signed: str, log_key: Verifier, origin: str | None = None, cosigners: Sequence[Verifier] = ()
) -> SignedCheckpoint:
    """Verify a checkpoint note: the log's own key must have signed it; each known cosigner
    that signed it must verify."""
    try:
        opened = open_note(signed, [log_key, *cosigners])
    except NoteError as error:
        raise CheckpointError(str(error)) from error
    if log_key not in opened.verified:
        raise CheckpointError(f"the log key {log_key.name} did not sign this checkpoint")
    checkpoint = Checkpoint.parse(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    return SignedCheckpoint(checkpoint, opened)
