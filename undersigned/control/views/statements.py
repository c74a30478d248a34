"""Statements from the browser: upload the Markdown files, see the versions and what
changed between them, publish, close, set the goal and dates. The CLI does the same through
the same parser and service."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undersigned.control.decorators import staff_view
from undersigned.control.statement_forms import SettingsForm, UploadForm
from undersigned.statements.models import Statement, StatementError, StatementVersion, record
from undersigned.statements.roles import ORGANISERS
from undersigned.statements.services import ImportResult, import_statement


@require_GET
@staff_view(ORGANISERS)
def statements(request: HttpRequest) -> HttpResponse:
    rows = [(s, s.counts()) for s in Statement.objects.all()]
    return render(request, "control/statements.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@staff_view(ORGANISERS)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid() and form.source is not None:
        try:
            with transaction.atomic():
                result = import_statement(
                    form.source, public_key=form.cleaned_data["public_key"].strip() or None
                )
                record(request.user, "edit", result.statement, reason=_imported(result))
        except StatementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _imported(result))
            return redirect("control:statement", slug=result.statement.slug)
    return render(
        request, "control/upload.html", {"form": form}, status=400 if form.errors else 200
    )


def _imported(result: ImportResult) -> str:
    new = ", ".join(result.new_versions) or "—"
    in_place = ", ".join(result.updated_in_place) or "—"
    verb = _("Created") if result.created else _("Updated")
    return _("%(verb)s. New text versions: %(new)s. Formatting updated in place: %(same)s.") % {
        "verb": verb,
        "new": new,
        "same": in_place,
    }


@require_http_methods(["GET", "POST"])
@staff_view(ORGANISERS)
def statement(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Statement, slug=slug)
    form = SettingsForm(request.POST if request.method == "POST" else None, instance=item)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            changed = ", ".join(f"{name}={form.cleaned_data[name]}" for name in form.changed_data)
            record(request.user, "edit", saved, reason=f"settings: {changed or 'unchanged'}")
        saved.forget_cached()
        messages.success(request, _("Saved."))
        return redirect("control:statement", slug=slug)
    versions = item.versions.order_by("language", "-number")
    context = {"item": item, "form": form, "versions": versions, "counts": item.counts()}
    return render(request, "control/statement.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(ORGANISERS)
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    return _change_state(request, slug, "publish")


@require_POST
@staff_view(ORGANISERS)
def close(request: HttpRequest, slug: str) -> HttpResponse:
    return _change_state(request, slug, "close")


def _change_state(request: HttpRequest, slug: str, act: str) -> HttpResponse:
    try:
        with transaction.atomic():
            item = get_object_or_404(Statement.objects.select_for_update(), slug=slug)
            item.publish() if act == "publish" else item.close()
            record(request.user, "edit", item, reason="published" if act == "publish" else "closed")
    except StatementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Published.") if act == "publish" else _("Closed."))
    return redirect("control:statement", slug=slug)


@require_GET
@staff_view(ORGANISERS)
def version(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    shown = get_object_or_404(
        StatementVersion.objects.select_related("statement"), statement__slug=slug, pk=pk
    )
    before = (
        StatementVersion.objects.filter(
            statement=shown.statement, language=shown.language, number__lt=shown.number
        )
        .order_by("-number")
        .first()
    )
    context = {"version": shown, "before": before, "diff": changes(before, shown)}
    return render(request, "control/version.html", context)


def as_lines(version: StatementVersion | None) -> list[str]:
    """A version as the lines an organiser compares: title, demands, then the body."""
    if version is None:
        return []
    demands = [f"- {d}" for d in version.demands]
    return [f"# {version.title}", "", *demands, "", *version.body_markdown.splitlines()]


def changes(before: StatementVersion | None, after: StatementVersion) -> list[tuple[str, str]]:
    """(kind, line) for each line of a unified diff: kind is 'add', 'remove' or 'same'."""
    if before is None:
        return []
    kinds = {"+": "add", "-": "remove", " ": "same"}
    lines = difflib.unified_diff(
        as_lines(before), as_lines(after), lineterm="", n=2, fromfile="a", tofile="b"
    )
    return [(kinds.get(line[:1], "hunk"), line) for line in list(lines)[2:]]
