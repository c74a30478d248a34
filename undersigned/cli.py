"""The `undersigned` console command: sets the settings module and runs a management command.

A database that was never set up (a newcomer's first `import` on an empty data folder) is
set up first, so the README's steps work as written; a database that has tables is left to
`undersigned migrate`, as Django leaves it.
"""

from __future__ import annotations

import os
import sys

import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command, execute_from_command_line
from django.db import connection

from undersigned.lib import privatefiles

# Commands that need no database (keygen, and the verifier's and witness's commands, which
# run on other people's machines), or that manage migrations themselves.
NO_DATABASE = {
    "help",
    "version",
    "keygen",
    "verify",
    "verify-receipt",
    "witness",
    "check",
    "migrate",
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "squashmigrations",
    "makemessages",
    "compilemessages",
    "diffsettings",
    "dbshell",
}


def set_up_new_database() -> bool:
    """Create the tables of a database that has none of ours yet; True if it did."""
    if "django_migrations" in connection.introspection.table_names():
        return False
    print("A new database: creating its tables (undersigned migrate)…", file=sys.stderr)
    call_command("migrate", interactive=False, verbosity=0)
    return True


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    privatefiles.restrict()  # before the settings write the local secrets
    try:
        # Read the settings first: a setting that stops the start is told in one line.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as error:
        sys.exit(f"undersigned: {error}")
    privatefiles.close(settings.DATA_DIR)
    args = sys.argv[1:] if argv is None else argv
    if args and not args[0].startswith("-") and args[0] not in NO_DATABASE:
        django.setup()
        set_up_new_database()
    execute_from_command_line(["undersigned", *args])


if __name__ == "__main__":
    main()
