"""Receipts of the count log (issue 17): a signer's leaf index and the secret behind its
commitment, recomputed from the log key whenever they ask and never stored, and the site's
own check of a pasted receipt against its latest checkpoint.

The site's check is a convenience for people without a terminal; it proves only what the
site's own copy of the log says. `undersigned verify-receipt` checks the same receipt
against the published tiles from elsewhere, which is the proof that does not rest on us.
"""

from __future__ import annotations

from undersigned.lib.tlog import countlog, merkle
from undersigned.lib.tlog.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from undersigned.lib.tlog.client import Receipt, ReceiptStatus, VerifyError
from undersigned.statements import tlog
from undersigned.statements.models import LogLeaf, Signature, Statement
from undersigned.statements.models.tlog import LogCheckpoint


def receipt_for(signature: Signature) -> Receipt | None:
    """The signer's receipt: their latest counting leaf and the secret behind its commitment;
    None until the worker has logged it and a checkpoint covers it (before that, the receipt
    could not be checked by anyone)."""
    leaf = (
        LogLeaf.objects.filter(
            statement_id=signature.statement_id, signature_ref=signature.pk, adds=True
        )
        .order_by("-index")
        .only("index")
        .first()
    )
    if leaf is None:
        return None
    statement = Statement.objects.only("slug").get(pk=signature.statement_id)
    latest = tlog.latest_checkpoint(statement)
    if latest is None or latest.size <= leaf.index:
        return None
    secret = tlog.receipt_secret(signature.statement_id, signature.pk)
    return Receipt(tlog.origin(statement), leaf.index, secret)


def check(statement: Statement, receipt: Receipt) -> ReceiptStatus:
    """RECEIPT against STATEMENT's latest checkpoint: the leaf is in the signed tree, it is
    the receipt's (its commitment is the hash of the secret), and whether a later leaf
    withdrew or invalidated it. Raises VerifyError with a plain reason otherwise."""
    latest = tlog.latest_checkpoint(statement)
    if latest is None:
        raise VerifyError("this statement's log has no checkpoint yet")
    checkpoint = _signed(statement, latest)
    if receipt.origin != checkpoint.origin:
        raise VerifyError(f"the receipt is for {receipt.origin}, this log is {checkpoint.origin}")
    if receipt.index >= checkpoint.size:
        raise VerifyError("the receipt's leaf is not in the latest checkpoint yet")
    leaf = LogLeaf.objects.get(statement=statement, index=receipt.index)
    hashes = tlog.StoredHashes(statement, checkpoint.size)
    proof = merkle.inclusion_proof(receipt.index, checkpoint.size, hashes)
    entry = bytes(leaf.entry)
    found = merkle.verify_inclusion(
        receipt.index, checkpoint.size, merkle.leaf_hash(entry), proof, checkpoint.root
    )
    if not found:
        raise VerifyError("the receipt's leaf is not in the signed tree")
    event = countlog.Event.parse(entry)
    if event.commitment != countlog.commitment(receipt.secret):
        raise VerifyError("this leaf's commitment is not the receipt's secret")
    # The same signature's later leaves, by the server's own index of them (same commitment).
    same = {"signature_ref": leaf.signature_ref} if leaf.signature_ref else {}
    later = LogLeaf.objects.filter(
        statement=statement,
        commitment=event.commitment,
        index__gt=receipt.index,
        index__lt=checkpoint.size,
        **same,
    ).order_by("-index")
    last = later.values_list("entry", flat=True).first()
    last_event = countlog.Event.parse(bytes(last)) if last is not None else None
    removed = last_event if last_event and last_event.event in countlog.REMOVES else None
    return ReceiptStatus(checkpoint, event, removed)


def _signed(statement: Statement, latest: LogCheckpoint) -> Checkpoint:
    """The latest checkpoint, opened with the log's own key as any verifier would."""
    try:
        return open_checkpoint(latest.note, tlog.signer(statement).verifier).checkpoint
    except CheckpointError as error:
        raise VerifyError(f"the checkpoint does not verify: {error}") from error
