"""The public delivery package of a closed statement: organisations and counts, no names.

Made on the server, which never holds the organisers' signing key, so its manifest lists
hashes but is not signed (the how-to page inside says so). Building it takes a PDF render,
so each language's package is kept in the cache a while: a closed statement changes little.
"""

from __future__ import annotations

import io

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from undersigned.public.pages import public_statement
from undersigned.statements import package
from undersigned.statements.models import Statement

PACKAGE_CACHE_SECONDS = 600


def package_cache_key(slug: str, language: str) -> str:
    return f"public-package:{slug}:{language}"


@require_GET
def public_package(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    if statement.state != Statement.State.CLOSED:
        raise Http404
    key = package_cache_key(slug, get_language())
    body = cache.get(key)
    if body is None:
        out = io.BytesIO()
        package.write(out, statement, None, None)
        body = out.getvalue()
        cache.set(key, body, PACKAGE_CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{slug}-package.zip"'
    return response
