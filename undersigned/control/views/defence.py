"""Defence against abuse: quarantined signatures and their release, bulk invalidation with a
dry run and its undo, the trending-sources report and the block list. Thin views: the
forms validate, the core acts (statements.services and the models), every act is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undersigned.control.decorators import staff_view
from undersigned.control.defence_forms import BlockForm, InvalidateForm, ReleaseForm
from undersigned.control.paging import keyset_page
from undersigned.statements.caches import forget_blocklist
from undersigned.statements.counting import QUARANTINED_Q
from undersigned.statements.models import (
    BlockedSource,
    InvalidationBatch,
    Signature,
    StatementError,
    TrendingSource,
    record,
)
from undersigned.statements.roles import ORGANISERS
from undersigned.statements.services import invalidate, undo_invalidation
from undersigned.statements.trending import by_source

PAGE = 100


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST, even an empty one (an empty POST must be refused, not shown)."""
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "POST"])
@staff_view()
def quarantine(request: HttpRequest) -> HttpResponse:
    form = ReleaseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        released = 0
        with transaction.atomic():
            for signature in form.chosen().select_for_update().select_related("statement"):
                signature.release()
                record(request.user, "edit", signature, reason="released from quarantine")
                released += 1
        messages.success(request, _("%(n)d signature(s) released.") % {"n": released})
        return redirect("control:quarantine")
    rows = Signature.objects.filter(QUARANTINED_Q).select_related("statement")
    page = keyset_page(request, rows, ["created_at", "pk"], PAGE, count=True)
    context = {"page": page, "form": form}
    return render(request, "control/quarantine.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_view()
def invalidations(request: HttpRequest) -> HttpResponse:
    """Criteria, a dry run that says how many and by how much the count falls, then apply."""
    form = InvalidateForm(_posted(request), initial=request.GET.dict())
    result = None
    if request.method == "POST" and form.is_valid():
        apply = "apply" in request.POST
        try:
            result = invalidate(
                form.cleaned_data["statement"],
                criteria=form.criteria(),
                reason=form.cleaned_data["reason"],
                by=request.user,
                dry_run=not apply,
            )
        except StatementError as exc:
            form.add_error(None, str(exc))
        else:
            if result.batch is not None:
                messages.success(
                    request,
                    _("Batch %(id)d: %(n)d signature(s) invalidated; the count fell by %(c)d.")
                    % {"id": result.batch.pk, "n": result.matched, "c": result.counted},
                )
                return redirect("control:invalidations")
    batches = InvalidationBatch.objects.select_related("statement").order_by("-created_at")
    context = {"form": form, "result": result, "batches": batches[:50]}
    return render(
        request, "control/invalidations.html", context, status=400 if form.errors else 200
    )


@require_POST
@staff_view()
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(InvalidationBatch, pk=pk)
    try:
        rows = undo_invalidation(batch, by=request.user)
    except StatementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Batch %(id)d undone: %(n)d signature(s) restored.") % {"id": batch.pk, "n": rows},
        )
    return redirect("control:invalidations")


def _act_on(row: TrendingSource) -> str:
    """The bulk-invalidation page, filled in for this source and hour, or '' if none fits."""
    query: dict[str, Any] = {
        "statement": row.statement.slug,
        "since": row.hour.strftime("%Y-%m-%d %H:%M"),
    }
    if row.kind == TrendingSource.Kind.CLIENT:
        query["source"] = row.digest
    elif row.label:
        query["domain"] = row.label
    else:
        return ""
    return "/control/invalidations/?" + urlencode(query)


@require_GET
@staff_view()
def trending(request: HttpRequest) -> HttpResponse:
    rows = TrendingSource.objects.select_related("statement")
    page = keyset_page(request, rows, ["-hour", "-signatures", "-pk"], PAGE)
    items = [(row, _act_on(row)) for row in page]
    context = {"page": page, "items": items, "sources": by_source()}
    return render(request, "control/trending.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(ORGANISERS)
def blocklist(request: HttpRequest) -> HttpResponse:
    form = BlockForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            entry = form.save()
            record(request.user, "edit", entry, reason="added to the block list")
            transaction.on_commit(forget_blocklist)
        messages.success(request, _("Added to the block list."))
        return redirect("control:blocklist")
    context = {"form": form, "entries": BlockedSource.objects.all()}
    return render(request, "control/blocklist.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(ORGANISERS)
def unblock(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(BlockedSource, pk=pk)
    with transaction.atomic():
        record(request.user, "edit", entry, reason="removed from the block list")
        entry.delete()
        transaction.on_commit(forget_blocklist)
    messages.success(request, _("Removed from the block list."))
    return redirect("control:blocklist")
