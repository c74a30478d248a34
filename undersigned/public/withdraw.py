"""An organisation withdraws its own endorsement through the link in its confirmation email.

As every emailed link here: a GET shows a one-button page and only the POST acts, because
mail scanners open links.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from undersigned.lib import tokens
from undersigned.public.decorators import same_origin_post
from undersigned.public.pages import bad_link
from undersigned.statements.models import Endorsement, StatementError


@require_http_methods(["GET", "POST"])
@same_origin_post
def withdraw_endorsement(request: HttpRequest, token: str) -> HttpResponse:
    endorsement = None
    if tokens.well_formed(token):
        endorsement = (
            Endorsement.objects.select_related("statement")
            .filter(manage_token_hash=tokens.token_hash(token))
            .first()
        )
    if endorsement is None:
        return bad_link(request)
    context = {"statement": endorsement.statement, "endorsement": endorsement}
    if request.method == "POST":
        with transaction.atomic():
            endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
            try:
                endorsement.withdraw()
            except StatementError as exc:
                return render(request, "public/link_expired.html", {**context, "message": str(exc)})
        return render(request, "public/endorsement_withdrawn.html", context)
    return render(request, "public/endorsement_withdraw.html", context)
