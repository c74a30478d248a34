"""Moderation: the endorsement queue and its decisions, founding invitations, the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undersigned.control.decorators import staff_view
from undersigned.control.forms import (
    BulkForm,
    DecisionForm,
    InviteForm,
    NameForm,
    QueueFilterForm,
)
from undersigned.control.paging import keyset_page
from undersigned.statements.models import (
    AuditEntry,
    Endorsement,
    FoundingInvite,
    Statement,
    StatementError,
)
from undersigned.statements.roles import ORGANISERS


@require_http_methods(["GET", "POST"])
@staff_view()
def queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilterForm(request.GET)
    found = Endorsement.objects.select_related("statement", "duplicate_of")
    found = filters.filter(found) if filters.is_valid() else found.none()
    bulk = BulkForm(request.POST or None)
    if request.method == "POST" and bulk.is_valid():
        action, reason = bulk.cleaned_data["action"], bulk.cleaned_data["reason"]
        done = 0
        with transaction.atomic():
            for endorsement in bulk.cleaned_data["ids"].select_for_update():
                # One that another moderator decided meanwhile is skipped, not a 500.
                try:
                    with transaction.atomic():
                        getattr(endorsement, action)(request.user, reason)
                except StatementError:
                    continue
                done += 1
        messages.success(request, _("%(n)d endorsements done.") % {"n": done})
        return redirect(request.get_full_path())
    page = keyset_page(request, found, ["created_at", "pk"], 100, count=True)
    context = {"filters": filters, "page": page, "bulk": bulk}
    return render(request, "control/queue.html", context, status=400 if bulk.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_view()
def endorsement(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Endorsement.objects.select_related("statement", "duplicate_of"), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            with transaction.atomic():
                locked = Endorsement.objects.select_for_update().get(pk=item.pk)
                getattr(locked, action)(request.user, reason)
        except StatementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Done."))
            return redirect("control:queue")
    context = {"item": item, "form": form, "name_form": NameForm(prefix="naming")}
    return render(request, "control/endorsement.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view()
def name_publicly(request: HttpRequest, pk: int) -> HttpResponse:
    """A hidden organisation is named from now on, at its contact's request (audited)."""
    item = get_object_or_404(Endorsement.objects.select_related("statement", "duplicate_of"), pk=pk)
    name_form = NameForm(request.POST, prefix="naming")
    if name_form.is_valid():
        try:
            with transaction.atomic():
                locked = Endorsement.objects.select_for_update().get(pk=item.pk)
                locked.name_publicly(request.user, name_form.cleaned_data["reason"])
        except StatementError as exc:
            name_form.add_error(None, str(exc))
        else:
            messages.success(request, _("The organisation is named in public from now on."))
            return redirect("control:endorsement", pk=item.pk)
    context = {"item": item, "form": DecisionForm(), "name_form": name_form}
    return render(request, "control/endorsement.html", context, status=400)


@require_http_methods(["GET", "POST"])
@staff_view(ORGANISERS)
def invites(request: HttpRequest, slug: str) -> HttpResponse:
    statement = get_object_or_404(Statement, slug=slug)
    form = InviteForm(request.POST or None)
    link = ""
    if request.method == "POST" and form.is_valid():
        try:
            _invite, token = FoundingInvite.create(
                statement, label=form.cleaned_data["label"], by=request.user
            )
        except StatementError as exc:
            form.add_error(None, str(exc))
        else:
            language = statement.primary_language
            link = f"{settings.SITE_URL}/{language}/invite/{token}/"
            form = InviteForm()
    context = {
        "statement": statement,
        "form": form,
        "link": link,
        "invites": statement.invites.prefetch_related("endorsements").order_by("-created_at"),
    }
    return render(request, "control/invites.html", context, status=400 if form.errors else 200)


@require_GET
@staff_view(ORGANISERS)
def audit(request: HttpRequest) -> HttpResponse:
    page = keyset_page(request, AuditEntry.objects.all(), ["-at", "-pk"], 100)
    return render(request, "control/audit.html", {"page": page})
