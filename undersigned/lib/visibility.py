"""What each visibility choice shows of a signer: the one rule for the page, the model and
the exports handed to a target.

1 public: name, plus city and affiliation if given, and country. 2 name only. 3 initials and
country. 4 not public: counted, never shown.

The initials rule is written twice, here and in public/static/undersigned/seal.js (which
makes them in the browser so the full name can stay sealed); both are tested against the
same vectors, lib/tests/initials.json.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    PUBLIC = 1
    NAME_ONLY = 2
    INITIALS = 3
    HIDDEN = 4


# A name of at most 120 characters has at most 60 words, so at most 60 initials.
MOST_INITIALS = 60


def initials(name: str) -> str:
    """The first letter of each word, each followed by a dot: "Anna-Maria «Ко» Li" makes
    "A.К.L.". Words are split as str.split() splits them; a word without a letter adds
    nothing. Letters keep their case."""
    out = []
    for word in name.split():
        letter = next((ch for ch in word if ch.isalpha()), None)
        if letter is not None:
            out.append(f"{letter}.")
    return "".join(out)


def well_formed_initials(text: str) -> bool:
    """Whether TEXT could be what initials() makes of a name: one to 60 letters, each
    followed by a dot, nothing else."""
    if not 2 <= len(text) <= 2 * MOST_INITIALS or len(text) % 2:
        return False
    return all(text[i].isalpha() and text[i + 1] == "." for i in range(0, len(text), 2))


def shortest_name_bytes(text: str) -> int:
    """The fewest UTF-8 bytes of a name whose initials are TEXT: its letters, and a space
    between each two words."""
    letters = text[::2]
    return len(letters.encode()) + len(letters) - 1


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
