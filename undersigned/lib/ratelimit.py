"""Rate limits in fixed windows: what a limit is and how its counters are named (P5).

Every counter lives only in the cache and expires on its own; its key holds a keyed hash
(a client hash, an email digest), never an address. Windows are aligned buckets of the
limit's length, so a key never needs its expiry refreshed: the bucket number in the key
moves on and the old key ages out. The counting itself is `undersigned/statements/limits.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int
    # How long a window's counter is kept: a little past the window, so a slow request near
    # the edge still finds it. An attribute, not a method: it is read on every submission.
    ttl: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ttl", self.seconds + 5)

    @classmethod
    def parse(cls, name: str, spec: str) -> Limit:
        """'5/300' means at most 5 hits in 300 seconds."""
        count, _slash, seconds = spec.partition("/")
        try:
            limit = cls(name, int(count), int(seconds))
        except ValueError:
            raise ValueError(
                f"{name}: expected COUNT/SECONDS such as 5/300, not {spec!r}"
            ) from None
        if limit.count < 0 or limit.seconds <= 0:
            raise ValueError(f"{name}: COUNT must be 0 or more and SECONDS above 0")
        return limit

    def key(self, subject: str, now: float) -> str:
        return f"rl:{self.name}:{subject}:{int(now // self.seconds)}"
