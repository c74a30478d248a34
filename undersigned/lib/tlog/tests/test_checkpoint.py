from __future__ import annotations

import pytest

from undersigned.lib.tlog import note
from undersigned.lib.tlog.checkpoint import Checkpoint, CheckpointError, open_checkpoint

SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def test_it_parses_and_formats_the_spec_example() -> None:
    checkpoint = Checkpoint.parse(SPEC_TEXT)
    assert checkpoint.origin == "example.com/behind-the-sofa" and checkpoint.size == 20852163
    assert len(checkpoint.root) == 32 and checkpoint.text == SPEC_TEXT


@pytest.mark.parametrize(
    "bad",
    [
        "a\n1\n",
        "a\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "a\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "a\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
        "a\n1\nCsUY\n",
        "a\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
        "a\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
        "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    ],
)
def test_malformed_checkpoints_are_refused(bad: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse(bad)


def test_extension_lines_are_kept() -> None:
    text = SPEC_TEXT + "ext one\n"
    assert Checkpoint.parse(text).extensions == ("ext one",)


def test_open_checkpoint_needs_the_log_key_and_the_origin() -> None:
    log = note.Signer.generate("example.com/behind-the-sofa")
    other = note.Signer.generate("example.com/behind-the-sofa")
    signed = note.sign_note(SPEC_TEXT, [log])
    opened = open_checkpoint(signed, log.verifier, origin="example.com/behind-the-sofa")
    assert opened.checkpoint.size == 20852163
    with pytest.raises(CheckpointError, match="origin"):
        open_checkpoint(signed, log.verifier, origin="example.com/elsewhere")
    with pytest.raises(CheckpointError):
        open_checkpoint(signed, other.verifier)
    witness = note.Signer.generate("w.example/1", note.COSIGNATURE_V1)
    cosigned_by_witness_only = note.sign_note(SPEC_TEXT, [witness])
    with pytest.raises(CheckpointError, match="did not sign"):
        open_checkpoint(cosigned_by_witness_only, log.verifier, cosigners=[witness.verifier])
