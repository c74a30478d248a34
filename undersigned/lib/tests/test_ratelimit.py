from __future__ import annotations

import pytest

from undersigned.lib.ratelimit import Limit


def test_parse_reads_count_per_seconds() -> None:
    assert Limit.parse("burst", "5/300") == Limit("burst", 5, 300)


@pytest.mark.parametrize("spec", ["5", "a/b", "5/0", "-1/60", ""])
def test_parse_refuses_malformed_specs(spec: str) -> None:
    with pytest.raises(ValueError, match="burst"):
        Limit.parse("burst", spec)
