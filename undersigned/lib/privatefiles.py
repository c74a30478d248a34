"""Files for their owner only: what the site writes to disk is 0600, its folders 0700.

The SQLite database and its WAL and SHM files, the disk cache, the local secrets, keys and
exports were created 0644 (issue 14, item 11): any local user could read the sealed data,
the keyed hashes and the server keys. The command line (`undersigned …`, and so `serve`,
granian and the worker it starts) and the WSGI entry point set the umask before anything
creates a file, and close a data folder made by an older version, whatever the modes of
the files in it. Framework-free.
"""

from __future__ import annotations

import os
from pathlib import Path


def restrict() -> None:
    """From now on this process (and every child it starts) creates files for its owner."""
    os.umask(0o077)


def close(data_dir: Path) -> None:
    """Close a data folder an older version made, if it is ours to close."""
    if data_dir.is_dir() and data_dir.stat().st_uid == os.geteuid():
        data_dir.chmod(0o700)
