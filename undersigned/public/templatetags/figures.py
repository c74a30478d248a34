"""Published counts in templates: {{ figure|figure }}, {{ figure|signatures }},
{% confirmed statement as figure %} and {% count_log statement as log %}."""

from __future__ import annotations

from typing import Any

from django import template

from undersigned.lib import suppression
from undersigned.lib.suppression import Figure
from undersigned.public import aggregates, logfigures, wording
from undersigned.public.pages import counts_for
from undersigned.statements import receipts

register = template.Library()
register.filter("figure", wording.figure)
register.filter("signatures", wording.signatures)


@register.simple_tag
def confirmed(statement: Any) -> Figure:
    """A statement's published count of confirmed signatures (from the counter shards)."""
    return aggregates.headline(statement, counts_for(statement))["confirmed"]


@register.simple_tag
def published(statement: Any) -> dict[str, Any]:
    """What the statement page may show of its counts (P9): the published figures, and the
    progress toward the goal only when the count itself may be shown."""
    counts = counts_for(statement)
    figures: dict[str, Any] = dict(aggregates.headline(statement, counts))
    figures["progress"] = aggregates.progress(statement, figures["confirmed"])
    # "N on paper: M in all" only when neither figure gives a small one away by difference.
    paper = suppression.public_count(counts.get("paper", 0), aggregates.threshold())
    figures["paper_and_total"] = not figures["confirmed"].suppressed and not paper.suppressed
    return figures


@register.simple_tag
def count_log(statement: Any) -> dict[str, Any] | None:
    """The count log's checkpoint the page's total matches, with its witnesses; None while
    the total is "fewer than" (P9) or before the first checkpoint. From the shared cache."""
    reference = logfigures.log_reference(statement, logfigures.total(counts_for(statement)))
    if reference is None:
        return None
    witnessed = reference["witnessed"]
    return {
        **reference,
        "when": logfigures.when(reference["signed_at"]),
        "witnessed": witnessed and {**witnessed, "when": logfigures.when(witnessed["signed_at"])},
    }


@register.simple_tag
def receipt_ready(signature: Any) -> bool:
    """Whether a signer's leaf is in a checkpoint, so that a receipt can be checked (the
    manage page, which is never cached, asks; two small indexed queries)."""
    return receipts.receipt_for(signature) is not None
