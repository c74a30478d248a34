from __future__ import annotations

import functools

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods, require_safe

from undersigned.lib import proofofwork, tokens
from undersigned.lib.clientid import client_address
from undersigned.public import logfigures
from undersigned.public.admission import admitted
from undersigned.public.decorators import same_origin_post
from undersigned.public.forms import ManageForm, SignForm
from undersigned.public.onion import via_onion
from undersigned.public.pages import (
    PUBLIC_CACHE,
    bad_link,
    counts_for,
    problem,
    public_statement,
    statement_context,
)
from undersigned.statements import caches
from undersigned.statements.models import Signature, Statement, StatementError


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    statements = list(Statement.objects.filter(state__in=["published", "closed"]))
    if len(statements) == 1:
        return redirect("statement", slug=statements[0].slug)
    listing = [(s, s.text(get_language())) for s in statements]
    return render(request, "public/home.html", {"statements": listing})


@require_safe
def statement_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = caches.page_number(request.GET.get("page", "1"))
    onion = via_onion(request)
    # A flyer's tag, if the site issued it: the form carries it on (hotpath.source_bump).
    source = caches.source_tag(src := request.GET.get("src", ""))

    def render_page() -> bytes:
        statement = public_statement(slug)
        form = SignForm(statement=statement, onion=onion, initial={"src": src if source else ""})
        return render(
            request, "public/statement.html", statement_context(request, statement, form, page)
        ).content

    if onion:
        # Its forms carry a time-locked token of their own: never shared, never cached.
        response = HttpResponse(render_page())
        patch_cache_control(response, private=True, no_store=True)
        return response
    response = HttpResponse(caches.page(slug, get_language(), page, render_page, source))
    patch_cache_control(response, **PUBLIC_CACHE)
    return response


@require_http_methods(["POST"])
@same_origin_post
@admitted("signature")
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    address = client_address(request, settings.TRUSTED_PROXIES)
    form = SignForm(request.POST, statement=statement, address=address, onion=via_onion(request))
    if not form.is_valid():
        context = statement_context(request, statement, form, 1)
        return render(request, "public/statement.html", context, status=400)
    try:
        # The source tag is counted in the signature's own transaction: nothing that could
        # fail is left for after it committed (admission.py answers 503 to a failure).
        Signature.sign(
            statement, language=get_language(), source_tag=form.source_tag, **form.cleaned_data
        )
    except StatementError as exc:
        return problem(request, _("We could not take your signature"), str(exc), 409)
    # Decided by what the signer sent, never by whether an email was queued: a withheld
    # email (the per-address cap) must look exactly like a sent one.
    thanks_url = _thanks_url(get_language(), statement.slug)
    if not form.cleaned_data.get("email"):
        return HttpResponseRedirect(thanks_url + "?unverified=1")
    return HttpResponseRedirect(thanks_url)


@functools.lru_cache(maxsize=64)
def _thanks_url(language: str, slug: str) -> str:
    """Reversed once per language and statement: it was a tenth of a sign request."""
    return reverse("thanks", args=[slug])


@require_safe
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    unverified = request.GET.get("unverified") == "1" and statement.allow_no_email
    organisation = request.GET.get("organisation") == "1"
    return render(
        request,
        "public/thanks.html",
        {"statement": statement, "unverified": unverified, "organisation": organisation},
    )


def _load_statement_by_pk(pk: int) -> Statement:
    statement = Statement.objects.get(pk=pk)
    statement.remember_texts()
    return statement


def _statement_by_pk(pk: int) -> Statement:
    """A signature's statement with its texts, from this process's memory for a second."""
    return caches.statement_by_pk(pk, lambda: _load_statement_by_pk(pk))


# What confirming reads of a signature; the rest of its row (sealed details and hashes)
# stays in the database. Compiling and loading every column was a third of a confirmation.
_CONFIRM_FIELDS = ("id", "statement_id", "status", "confirm_expires_at")


def _signature_for(token: str, field: str, only: tuple[str, ...] | None = None) -> Signature | None:
    """The signature a link token opens, with its statement (one query when busy); with
    ONLY, just those fields (another read loads the others if something asks for them)."""
    if not tokens.well_formed(token):
        return None
    found = Signature.objects.filter(**{field: tokens.token_hash(token)})
    if only:
        found = found.only(*only)
    # The hash is unique: no ordering to compile, at most one row to load.
    signature = next(iter(found[:1]), None)
    if signature is not None:
        signature.statement = _statement_by_pk(signature.statement_id)
    return signature


@require_http_methods(["GET", "POST"])
@same_origin_post
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    signature = _signature_for(token, "confirm_token_hash", only=_CONFIRM_FIELDS)
    if signature is None:
        return bad_link(request)
    statement = signature.statement
    if signature.status != Signature.Status.PENDING:
        return render(
            request, "public/confirm_done.html", {"statement": statement, "already": True}
        )
    if request.method == "POST":
        # No lock and no second read: confirm() updates only a still-pending row, so of two
        # racing confirmations one wins and the other is told it is already done.
        try:
            signature.confirm()
        except StatementError as exc:
            if Signature.objects.filter(pk=signature.pk, status="confirmed").exists():
                # The other of two quick presses won: for this signer it is simply done.
                context = {"statement": statement, "already": True}
                return render(request, "public/confirm_done.html", context)
            return render(
                request,
                "public/link_expired.html",
                {"statement": statement, "message": str(exc)},
                status=410,
            )
        return render(request, "public/confirm_done.html", {"statement": statement})
    if signature.confirm_expires_at and signature.confirm_expires_at < timezone.now():
        return render(
            request,
            "public/link_expired.html",
            {"statement": statement, "message": _("This link has expired.")},
            status=410,  # Gone: the styled page, but no client or crawler takes it as a page
        )
    return render(request, "public/confirm.html", {"statement": statement})


@require_http_methods(["GET", "POST"])
@same_origin_post
def manage(request: HttpRequest, token: str) -> HttpResponse:
    signature = _signature_for(token, "manage_token_hash")
    if signature is None:
        return bad_link(request)
    statement = signature.statement
    withdrawn = signature.status == Signature.Status.WITHDRAWN
    data = request.POST if request.method == "POST" else None
    form = ManageForm(data, current=signature.visibility)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        with transaction.atomic():
            signature = Signature.objects.select_for_update().get(pk=signature.pk)
            try:
                if action == "erase":
                    signature.erase()
                elif action == "lower":
                    signature.lower_visibility(form.cleaned_data["visibility"])
                elif not withdrawn:
                    signature.withdraw()
            except StatementError as exc:
                return problem(request, _("We could not change your signature"), str(exc), 409)
        if action == "erase":
            return render(request, "public/erased.html", {"statement": statement})
        if action == "lower":
            return render(request, "public/lowered.html", {"statement": statement})
        return render(
            request, "public/withdrawn.html", {"statement": statement, "already": withdrawn}
        )
    context = {"statement": statement, "signature": signature, "form": form, "withdrawn": withdrawn}
    return render(request, "public/manage.html", context, status=400 if form.errors else 200)


@require_safe
@cache_control(public=True, max_age=2, stale_while_revalidate=30)
def count(request: HttpRequest, slug: str) -> JsonResponse:
    """The page's figures (P9: a small one is null, "fewer than suppress_below") and the
    count log's checkpoint the total matches (public/logfigures.py)."""
    statement = public_statement(slug)
    return JsonResponse(logfigures.count_json(statement, counts_for(statement)))


@require_safe
@never_cache
def challenge(request: HttpRequest, slug: str) -> JsonResponse:
    """A fresh proof-of-work challenge, fetched by pow.js: the cached page carries none."""
    statement = public_statement(slug)
    onion = via_onion(request)
    return JsonResponse(
        proofofwork.new_challenge(
            settings.SECRET_KEY,
            statement_id=statement.pk,
            now=timezone.now(),
            max_number=settings.ONION_POW_MAX_NUMBER if onion else settings.POW_MAX_NUMBER,
            minutes=settings.POW_EXPIRES_MINUTES,
            onion=onion,
        )
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
