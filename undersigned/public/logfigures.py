"""The published count and the count log's checkpoint it matches, for the statement page,
`/count/<slug>.json` and the open data API alike (issue 17, P9, P10).

The total (confirmed signatures plus paper) is what the log's leaves recount. Below
SUPPRESS_BELOW it is published as "fewer than N" and names no checkpoint, as the page shows
it; so is a total that would give away a small part (confirmed or paper "fewer than N",
the other exact). Otherwise it is exact and says which checkpoint proves what: the
checkpoint's tree size, when it was signed, the count its leaves prove (a minute or so
behind the live figure), and the latest checkpoint witnesses cosigned; unless that count
is itself below SUPPRESS_BELOW, when no checkpoint is named until one catches up. The log
itself, under /log/, is exact by design (docs/verify.md): a tree size carries no attribute
of anyone, so P9's breakdown rules do not apply to it; these pages and JSON just do not
repeat a figure they withhold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from undersigned.lib import suppression
from undersigned.lib.suppression import Figure
from undersigned.public import aggregates
from undersigned.statements import tlog
from undersigned.statements.models import Statement


def total(counts: dict[str, int]) -> Figure:
    """Confirmed plus paper signatures: the figure the count log proves; "fewer than" also
    when there is paper and either part is, as the page then shows no total (P9)."""
    limit, paper = aggregates.threshold(), counts.get("paper", 0)
    parts = (suppression.public_count(n, limit) for n in (counts["counted"], paper))
    if paper and any(part.suppressed for part in parts):
        return Figure(None, limit)
    return suppression.public_count(counts["counted"] + paper, limit)


def log_reference(statement: Statement, shown: Figure) -> dict[str, Any] | None:
    """Which checkpoint the published total SHOWN matches; None while it is suppressed or
    before the first checkpoint. From the shared cache: no query on a warm page."""
    data = tlog.published_cached(statement) if not shown.suppressed else None
    if data is None or suppression.public_count(data["count"], shown.below).suppressed:
        return None
    witnessed = data.get("witnessed")
    return {
        "tree_size": data["checkpoint"],
        "count": data["count"],
        "signed_at": data["signed_at"],
        "matches": data["count"] == shown.value,
        "checkpoint": f"/log/{statement.slug}/checkpoint",
        "witnessed": None if not witnessed else {
            "tree_size": witnessed["checkpoint"],
            "signed_at": witnessed["signed_at"],
            "witnesses": witnessed["witnesses"],
            "named_witnesses": witnessed["named_witnesses"],
        },
    }  # fmt: skip


def when(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def count_json(statement: Statement, counts: dict[str, int]) -> dict[str, Any]:
    """`/count/<slug>.json`: the page's figures, "fewer than" as null (P9), and the
    checkpoint the total matches."""
    figures = aggregates.headline(statement, counts)
    shown = total(counts)
    paper = suppression.public_count(counts.get("paper", 0), aggregates.threshold())
    both = not figures["confirmed"].suppressed and not paper.suppressed
    return {
        "counted": figures["confirmed"].value,
        "unverified": figures["unverified"].value,
        "paper": paper.value if both else None,
        "total": shown.value,
        "goal": statement.goal,
        "suppress_below": aggregates.threshold(),
        "log": log_reference(statement, shown),
    }
