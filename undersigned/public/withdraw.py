"""An organisation withdraws its own endorsement through the link in its confirmation email.

As every emailed link here: a GET shows a one-button page and only the POST acts, because
mail scanners open links.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from undersigned.public.decorators import same_origin_post
from undersigned.public.organisations import change_endorsement, endorsement_for
from undersigned.public.pages import bad_link
from undersigned.statements.models import Endorsement


@require_http_methods(["GET", "POST"])
@same_origin_post
def withdraw_endorsement(request: HttpRequest, token: str) -> HttpResponse:
    endorsement = endorsement_for(token, "manage_token_hash")
    if endorsement is None:
        return bad_link(request)
    if request.method == "POST":
        # A refused withdrawal has always answered 200 (a refused confirmation 410).
        return change_endorsement(
            request,
            endorsement,
            Endorsement.withdraw,
            "public/endorsement_withdrawn.html",
            refused_status=200,
        )
    context = {"statement": endorsement.statement, "endorsement": endorsement}
    return render(request, "public/endorsement_withdraw.html", context)
