"""Every environment variable the settings read is documented, and nothing documented is stale."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READERS = re.compile(r"""env(?:_bool|_int|_list)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")
SERVE_ONLY = {"ACCESS_LOG", "ONION_LISTEN"}  # read by `undersigned serve`, not by settings.py


def documented() -> set[str]:
    text = (ROOT / "docs" / "configuration.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, flags=re.M))


def read_in_settings() -> set[str]:
    source = (ROOT / "undersigned" / "settings.py").read_text()
    names = set(READERS.findall(source))
    # The secrets are read through a loop over their names.
    names |= set(re.findall(r'"(SECRET_KEY|DEDUP_KEY|OUTBOX_KEY|CLIENT_HASH_KEY)"', source))
    return names


def test_every_setting_is_documented() -> None:
    missing = read_in_settings() - documented()
    assert not missing, f"document these in docs/configuration.md: {sorted(missing)}"


def test_nothing_documented_is_stale() -> None:
    stale = documented() - read_in_settings() - SERVE_ONLY
    assert not stale, f"docs/configuration.md names variables nobody reads: {sorted(stale)}"
