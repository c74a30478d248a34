"""Cache keys and invalidation shared across the apps (the block list, for now)."""

from __future__ import annotations

from django.core.cache import cache

from undersigned.lib.memo import ProcessMemo

BLOCKLIST_KEY = "blocklist:v1"
BLOCKLIST_MEMO_SECONDS = 5

# The organisers' block list, as every submission needs it (public/screening.py).
blocklist_memo = ProcessMemo(BLOCKLIST_MEMO_SECONDS)


def forget_blocklist() -> None:
    blocklist_memo.clear()
    cache.delete(BLOCKLIST_KEY)
