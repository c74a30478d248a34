"""Public views for organisations: endorse, confirm, the list, and founding invitations."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from undersigned.lib import organisations, tokens
from undersigned.lib.clientid import client_address
from undersigned.public.admission import admitted
from undersigned.public.decorators import same_origin_post
from undersigned.public.forms import EndorseForm, SignForm
from undersigned.public.onion import via_onion
from undersigned.public.pages import (
    PUBLIC_CACHE,
    SEAL_SCRIPTS,
    approved_organisations,
    bad_link,
    by_country,
    counts_for,
    problem,
    public_statement,
    statement_context,
)
from undersigned.statements.models import (
    Endorsement,
    FoundingInvite,
    Statement,
    StatementError,
)


@require_http_methods(["POST"])
@same_origin_post
@admitted("endorsement")
def endorse(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    address = client_address(request, settings.TRUSTED_PROXIES)
    onion = via_onion(request)
    form = EndorseForm(request.POST, statement_id=statement.pk, address=address, onion=onion)
    if not form.is_valid():
        context = statement_context(request, statement, SignForm(), 1, endorse_form=form)
        return render(request, "public/statement.html", context, status=400)
    try:
        Endorsement.submit(statement, language=get_language(), **form.cleaned_data)
    except StatementError as exc:
        return problem(request, _("We could not take your endorsement"), str(exc), 409)
    return redirect(reverse("thanks", args=[statement.slug]) + "?organisation=1")


def endorsement_for(token: str, field: str) -> Endorsement | None:
    """The endorsement whose FIELD holds the hash of a link's TOKEN, with its statement."""
    if not tokens.well_formed(token):
        return None
    found = Endorsement.objects.select_related("statement")
    return found.filter(**{field: tokens.token_hash(token)}).first()


def change_endorsement(
    request: HttpRequest,
    endorsement: Endorsement,
    change: Callable[[Endorsement], None],
    done: str,
    refused_status: int,
) -> HttpResponse:
    """The POST of an emailed endorsement link: CHANGE the row under a lock, then show
    DONE, or why the change was refused (a link used twice, a state that moved on)."""
    context = {"statement": endorsement.statement, "endorsement": endorsement}
    with transaction.atomic():
        locked = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
        try:
            change(locked)
        except StatementError as exc:
            return render(
                request,
                "public/link_expired.html",
                {**context, "message": str(exc)},
                status=refused_status,
            )
    return render(request, done, context)


@require_http_methods(["GET", "POST"])
@same_origin_post
def confirm_endorsement(request: HttpRequest, token: str) -> HttpResponse:
    endorsement = endorsement_for(token, "confirm_token_hash")
    if endorsement is None:
        return bad_link(request)
    if request.method == "POST":
        return change_endorsement(
            request,
            endorsement,
            Endorsement.confirm,
            "public/endorsement_confirmed.html",
            refused_status=410,
        )
    context = {"statement": endorsement.statement, "endorsement": endorsement}
    if endorsement.confirm_expires_at and endorsement.confirm_expires_at < timezone.now():
        message = _("This link has expired.")
        return render(
            request, "public/link_expired.html", {**context, "message": message}, status=410
        )
    return render(request, "public/endorsement_confirm.html", context)


@require_safe
@cache_control(**PUBLIC_CACHE)
def organisation_list(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    query = " ".join(request.GET.get("q", "").split())[:100]
    found = approved_organisations(statement)
    if query:
        # The stored normalised name is case-folded in Python, so the search ignores case
        # in every script, even where the database's own case folding is ASCII-only.
        # A hidden organisation is never found by its name: that would confirm the name.
        found = found.filter(
            normalised_name__contains=organisations.normalise_name(query), hidden=False
        )
    groups = by_country(found)
    context = {
        "statement": statement,
        "text": statement.text(get_language()),
        "counts": counts_for(statement),
        "groups": groups,
        "matches": sum(len(members) for _country, members in groups),
        "query": query,
    }
    return render(request, "public/organisations.html", context)


def _invite_for(token: str) -> FoundingInvite | None:
    if not tokens.well_formed(token):
        return None
    return (
        FoundingInvite.objects.select_related("statement")
        .filter(token_hash=tokens.token_hash(token))
        .first()
    )


@require_http_methods(["GET", "POST"])
@same_origin_post
def invite(request: HttpRequest, token: str) -> HttpResponse:
    founding = _invite_for(token)
    if founding is None:
        return bad_link(request)
    statement = founding.statement
    if statement.state != Statement.State.DRAFT:
        return redirect("statement", slug=statement.slug)
    form = EndorseForm(request.POST or None, initial={"name": founding.label})
    if request.method == "POST" and form.is_valid():
        try:
            Endorsement.submit(
                statement, language=get_language(), invite=founding, **form.cleaned_data
            )
        except StatementError as exc:
            return problem(request, _("We could not take your endorsement"), str(exc), 409)
        return render(request, "public/invite_thanks.html", {"statement": statement})
    context = {
        "statement": statement,
        "text": statement.text(get_language()),
        "endorse_form": form,
        "action": request.path,
        "seal_scripts": SEAL_SCRIPTS,
    }
    return render(request, "public/invite.html", context, status=400 if form.errors else 200)
