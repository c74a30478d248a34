"""The domain's models, one module per aggregate; every name is importable from here.

statement: Statement, its versions and counter shards. signature: Signature, its state
changes and how a new one is recorded. personal: the visibility choice and the fields that
name a signer. endorsement: organisations' endorsements and founding invites. abuse: block
rules, invalidation batches, trending sources, source-tag counts. audit: the staff audit
log and record(). outbox: the durable email jobs that the delivery app sends. tlog: the
count log's leaves, checkpoints, witnesses and cosignatures. paper: signatures collected on
paper, in batches.
"""

from undersigned.statements.models.abuse import (
    BlockedSource,
    InvalidationBatch,
    SourceCount,
    TrendingSource,
)
from undersigned.statements.models.audit import AuditEntry, record
from undersigned.statements.models.endorsement import Endorsement, FoundingInvite
from undersigned.statements.models.outbox import OutboxMessage
from undersigned.statements.models.paper import PaperBatch, PaperSignature, paper_count
from undersigned.statements.models.personal import ERASED_FIELDS, LINKING_FIELDS, Visibility
from undersigned.statements.models.signature import Signature
from undersigned.statements.models.statement import (
    CountShard,
    Statement,
    StatementError,
    StatementVersion,
    forget_deleted_pages,
    is_high_risk,
)
from undersigned.statements.models.tlog import Cosignature, LogCheckpoint, LogLeaf, Witness

__all__ = [
    "ERASED_FIELDS",
    "LINKING_FIELDS",
    "AuditEntry",
    "BlockedSource",
    "Cosignature",
    "CountShard",
    "Endorsement",
    "FoundingInvite",
    "InvalidationBatch",
    "LogCheckpoint",
    "LogLeaf",
    "OutboxMessage",
    "PaperBatch",
    "PaperSignature",
    "Signature",
    "SourceCount",
    "Statement",
    "StatementError",
    "StatementVersion",
    "TrendingSource",
    "Visibility",
    "Witness",
    "forget_deleted_pages",
    "is_high_risk",
    "paper_count",
    "record",
]
