"""The count log served as C2SP tlog-tiles: a checkpoint, tiles and entry bundles.

Tiles never change once served, so they are cached for ever, here and by any proxy: a surge
of verifiers costs a cache read. The checkpoint changes at most every LOG_CHECKPOINT_SECONDS.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undersigned.lib import tokens
from undersigned.lib.tlog import client
from undersigned.public.decorators import same_origin_post
from undersigned.public.pages import public_statement
from undersigned.statements import caches, receipts, tlog
from undersigned.statements import witnesses as log_witnesses
from undersigned.statements.models import Signature, Statement

TILE_CACHE = "public, max-age=31536000, immutable"
MAX_RECEIPT = 1000  # characters: a receipt is four short lines
CHECKPOINT_SECONDS = 5


def _log_statement(slug: str) -> Statement:
    return get_object_or_404(Statement, slug=slug, state__in=tlog.PUBLIC_STATES)


def _text(body: str, status: int = 200, max_age: int = CHECKPOINT_SECONDS) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8", status=status)
    response["Cache-Control"] = f"public, max-age={max_age}" if status == 200 else "no-store"
    return response


@require_GET
def checkpoint(request: HttpRequest, slug: str) -> HttpResponse:
    def load() -> str | None:
        latest = tlog.latest_checkpoint(_log_statement(slug))
        return latest.note if latest is not None else None

    signed = caches.log_checkpoint(slug, CHECKPOINT_SECONDS, load)
    if signed is None:
        raise Http404("no checkpoint yet")
    return _text(signed)


@require_GET
def tile(request: HttpRequest, slug: str, path: str) -> HttpResponse:
    try:
        data = caches.log_tile(slug, path, lambda: tlog.tile(_log_statement(slug), f"tile/{path}"))
    except tlog.LogError as error:
        raise Http404(str(error)) from error
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = TILE_CACHE
    return response


@require_GET
def count(request: HttpRequest, slug: str) -> JsonResponse:
    """The count as of the latest checkpoint, which `undersigned verify` recomputes."""
    data = caches.log_count(slug, CHECKPOINT_SECONDS, lambda: tlog.published(_log_statement(slug)))
    if data is None:
        raise Http404("no checkpoint yet")
    response = JsonResponse(data)
    response["Cache-Control"] = f"public, max-age={CHECKPOINT_SECONDS}"
    return response


@require_GET
def verifier_key(request: HttpRequest, slug: str) -> HttpResponse:
    """The log's public key, as a C2SP vkey. Verifiers should pin it on first use (and
    compare it with the one the organisers publish elsewhere)."""
    statement = _log_statement(slug)
    return _text(tlog.signer(statement).verifier.vkey + "\n", max_age=3600)


@csrf_exempt  # a witness posts from the command line; the cosignature authenticates itself
@require_POST
def cosignature(request: HttpRequest, slug: str) -> HttpResponse:
    statement = _log_statement(slug)
    size = request.POST.get("size", "")
    if not size.isdigit():
        return _text("size: the tree size of the checkpoint you cosigned\n", status=400)
    try:
        log_witnesses.add_cosignature(statement, int(size), request.POST.get("line", ""))
    except tlog.LogError as error:
        return _text(f"refused: {error}\n", status=400)
    caches.forget_log(slug)
    return _text("cosignature published\n", status=201)


@require_GET
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """A signer's receipt, through their manage link: computed now, never stored."""
    found = None
    if tokens.well_formed(token):
        found = Signature.objects.filter(manage_token_hash=tokens.token_hash(token)).first()
    if found is None:
        raise Http404("unknown link")
    made = receipts.receipt_for(found)
    if made is None:
        message = _(
            "Your signature is not in the count log yet: it is added within a few minutes "
            "of being counted. Please try again later."
        )
        response = _text(message + "\n", status=404)
    else:
        response = _text(made.encode())
        response["Content-Disposition"] = 'attachment; filename="receipt.txt"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@same_origin_post
def check_receipt(request: HttpRequest, slug: str) -> HttpResponse:
    """A pasted receipt, checked against the latest checkpoint, without JavaScript. A POST,
    so the secret stays out of addresses and logs; nothing of it is kept."""
    statement = public_statement(slug)
    context: dict[str, object] = {"statement": statement, "posted": request.method == "POST"}
    if request.method == "POST":
        text = request.POST.get("receipt", "")[:MAX_RECEIPT]
        context["receipt"] = text
        try:
            context["result"] = receipts.check(statement, client.Receipt.parse(text))
        except (client.VerifyError, ValueError) as error:  # a bad leaf or base64 is a ValueError
            context["error"] = str(error)
    response = render(
        request, "public/receipt_check.html", context, status=400 if "error" in context else 200
    )
    response["Cache-Control"] = "no-store"
    return response
