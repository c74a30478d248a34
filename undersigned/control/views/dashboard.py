"""The control home: how the campaign is doing, and what waits for a staff member."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from undersigned.control.decorators import staff_view
from undersigned.control.figures import figures
from undersigned.statements.models import Statement
from undersigned.statements.roles import ORGANISERS, has_role


@require_GET
@staff_view()
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "figures": figures(),
        "statements": Statement.objects.all(),
        "organiser": has_role(request.user, ORGANISERS),
    }
    return render(request, "control/home.html", context)
