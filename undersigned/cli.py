"""The `undersigned` console command: sets the settings module and runs a management command."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    try:
        # Read the settings first: a setting that stops the start is told in one line.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as error:
        sys.exit(f"undersigned: {error}")
    execute_from_command_line(["undersigned", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
