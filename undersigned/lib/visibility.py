"""What each visibility choice shows of a signer: the one rule for the page, the model and
the exports handed to a target.

1 public: name, plus city and affiliation if given, and country. 2 name only. 3 initials and
country. 4 not public: counted, never shown.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    PUBLIC = 1
    NAME_ONLY = 2
    INITIALS = 3
    HIDDEN = 4


def initials(name: str) -> str:
    return "".join(f"{part[0]}." for part in name.split() if part)


def shown(
    level: int, *, name: str, city: str = "", affiliation: str = "", country: str = ""
) -> dict[str, str] | None:
    """What LEVEL lets anyone see of a signer; None when nothing (not public)."""
    if level == Level.PUBLIC:
        return {"name": name, "country": country, "city": city, "affiliation": affiliation}
    if level == Level.NAME_ONLY:
        return {"name": name, "country": "", "city": "", "affiliation": ""}
    if level == Level.INITIALS:
        return {"name": initials(name), "country": country, "city": "", "affiliation": ""}
    return None
