"""The public delivery package of a closed statement: organisations and counts, no names.

Made on the server, which never holds the organisers' signing key, so its manifest lists
hashes but is not signed (the how-to page inside says so). Building it takes a PDF render,
so each language's package is kept in the cache a while: a closed statement changes little.
"""

from __future__ import annotations

import io

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from undersigned.public.pages import public_statement
from undersigned.statements import caches, package
from undersigned.statements.models import Statement

PACKAGE_CACHE_SECONDS = 600


@require_GET
def public_package(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    if statement.state != Statement.State.CLOSED:
        raise Http404

    def build() -> bytes:
        out = io.BytesIO()
        package.write(out, statement, None, None)
        return out.getvalue()

    body = caches.public_package(slug, get_language(), PACKAGE_CACHE_SECONDS, build)
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{slug}-package.zip"'
    return response
