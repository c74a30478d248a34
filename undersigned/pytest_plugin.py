"""Loaded by pytest before any plugin reads Django's settings (`-p` in pyproject.toml).

pytest-django imports the settings before the root conftest.py runs, so the environment the
settings read must be set here: every test run gets a throwaway data folder of its own and
never touches a developer's `./data`, and two runs at once never share a database file.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("UNDERSIGNED_DATA_DIR", tempfile.mkdtemp(prefix="undersigned-test-"))
os.environ.pop("EMAIL_HOST", None)
