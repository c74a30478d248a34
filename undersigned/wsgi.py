"""The WSGI entry point that `undersigned serve` runs under granian."""

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

from undersigned.lib import privatefiles

privatefiles.restrict()  # the database, its WAL and the cache: for the service user only
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402

# Import every view now, as the worker starts, not in its first request: a submission's
# budget (public/admission.py) would be spent on it, and a fresh worker refuse its first.
_views = get_resolver().url_patterns

from undersigned.public.admission import ARRIVED, Admission  # noqa: E402
from undersigned.statements.caches import PUBLIC_PATHS, response_cache  # noqa: E402

__all__ = ["PUBLIC_PATHS", "application"]

# The statement page and the count, answered from this process's memory for a moment.
cached_application = response_cache(django_application)
# Past SIGN_MAX_IN_FLIGHT submissions in hand, the others are refused before Django.
admitted_application = Admission(cached_application)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Note when the request reached the application: a submission's budget counts from
    here (public/admission.py)."""
    environ[ARRIVED] = time.monotonic()
    return admitted_application(environ, start_response)


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each server process copies the write-ahead log back from a thread of its own, so
    # no signature waits for a checkpoint (lib/checkpointer.py).
    from undersigned.lib import checkpointer  # noqa: E402

    checkpointer.start(settings.DATABASES["default"]["NAME"])
