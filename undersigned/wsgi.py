"""The WSGI entry point that `undersigned serve` runs under granian."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402

from undersigned.lib.microcache import MicroCache  # noqa: E402

# The statement page per language and the count endpoint: the URLs a surge hammers.
_languages = "|".join(code for code, _name in settings.LANGUAGES)
PUBLIC_PATHS = rf"/(?:{_languages})/[-a-zA-Z0-9_]+/|/count/[-a-zA-Z0-9_]+\.json"

application = MicroCache(django_application, PUBLIC_PATHS, ttl=settings.MICRO_CACHE_SECONDS)

if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each server process copies the write-ahead log back from a thread of its own, so
    # no signature waits for a checkpoint (lib/checkpointer.py).
    from undersigned.lib import checkpointer  # noqa: E402

    checkpointer.start(settings.DATABASES["default"]["NAME"])
