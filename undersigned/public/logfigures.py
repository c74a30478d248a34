"""The published count and the count log's checkpoint it matches, for the statement page,
`/count/<slug>.json` and the open data API alike (issue 17, P9, P10).

The total (confirmed signatures plus paper) is what the log's leaves recount. Below
SUPPRESS_BELOW it is published as "fewer than N" and names no checkpoint, as the page shows
it; at or above, it is exact and says which checkpoint proves what: the checkpoint's tree
size, when it was signed, the count its leaves prove (a minute or so behind the live
figure), and the latest checkpoint witnesses cosigned. The log itself is exact by design
(docs/verify.md): a tree size carries no attribute of anyone, so P9's breakdown rules do not
apply to it.
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
    """Confirmed plus paper signatures: the figure the count log proves."""
    return suppression.public_count(
        counts["counted"] + counts.get("paper", 0), aggregates.threshold()
    )


def log_reference(statement: Statement, shown: Figure) -> dict[str, Any] | None:
    """Which checkpoint the published total SHOWN matches; None while it is suppressed or
    before the first checkpoint. From the shared cache: no query on a warm page."""
    data = tlog.published_cached(statement) if not shown.suppressed else None
    if data is None:
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
        "unverified": figures["unverified"].value if counts["unverified"] else 0,
        "paper": paper.value if both else None,
        "total": shown.value if both or not counts.get("paper") else None,
        "goal": statement.goal,
        "suppress_below": aggregates.threshold(),
        "log": log_reference(statement, shown),
    }
