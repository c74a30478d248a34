"""Organisers' page for printed matter and paper signatures of one statement.

Download a flyer or numbered signature sheets in any of the statement's languages, upload
typed-up sheets (the CSV that `undersigned paper import` reads, checked whole: one bad row
and nothing changes), and undo a batch. The same rules as the command, from the browser.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undersigned.control.decorators import staff_view
from undersigned.lib import sourcetags
from undersigned.lib.pdfdoc import PAPERS
from undersigned.statements import paper, printed
from undersigned.statements.models import PaperBatch, Statement, StatementError
from undersigned.statements.roles import ORGANISERS

MAX_UPLOAD = 5 * 1024 * 1024
SHEETS_PER_DOWNLOAD = 20


def _first(value: str) -> int:
    """The first sheet's number from the query; 1 when missing or absurd."""
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


class PaperUploadForm(forms.Form):
    sheets = forms.FileField(
        label=gettext_lazy("Typed-up sheets (CSV)"),
        help_text=gettext_lazy(
            "Columns: sheet, name, email, country, city, affiliation, visibility, signed_on."
        ),
    )

    def clean_sheets(self) -> str:
        upload = self.cleaned_data["sheets"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("Save the file as CSV in UTF-8.")) from None


@require_http_methods(["GET", "POST"])
@staff_view(ORGANISERS)
def paper_page(request: HttpRequest, slug: str) -> HttpResponse:
    statement = get_object_or_404(Statement, slug=slug)
    form = PaperUploadForm(request.POST or None, request.FILES or None)
    problems: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = paper.parse(form.cleaned_data["sheets"])
            outcome = paper.import_rows(statement, rows, by=request.user)
        except paper.PaperImportError as exc:
            form.add_error(None, str(exc))
            problems = exc.lines
        except StatementError as exc:
            form.add_error(None, str(exc))
        else:
            batch = outcome.batch
            messages.success(
                request,
                _("%(n)s paper signature(s) added from sheets %(sheets)s; %(s)s already signed.")
                % {"n": batch.size, "sheets": batch.sheets, "s": batch.skipped},
            )
            return redirect("control:paper", slug=slug)
    tag = request.GET.get("src", "")
    context = {
        "statement": statement,
        "src": tag if sourcetags.valid_tag(tag) else "",
        "bad_src": bool(tag) and not sourcetags.valid_tag(tag),
        "form": form,
        "problems": problems,
        "batches": PaperBatch.objects.filter(statement=statement),
        "papers": sorted(PAPERS),
    }
    return render(request, "control/paper.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(ORGANISERS)
def paper_undo(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    batch = get_object_or_404(PaperBatch, pk=pk, statement__slug=slug)
    try:
        removed = paper.undo(batch, by=request.user)
    except StatementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)s paper signature(s) removed.") % {"n": removed})
    return redirect("control:paper", slug=slug)


@require_GET
@staff_view(ORGANISERS)
def printable(request: HttpRequest, slug: str, kind: str, language: str) -> HttpResponse:
    statement = get_object_or_404(Statement, slug=slug)
    paper_size = request.GET.get("paper", "a4")
    if language not in statement.languages or paper_size not in PAPERS:
        raise Http404
    tag = request.GET.get("src", "") or kind
    if not sourcetags.valid_tag(tag):
        raise Http404
    source = sourcetags.issue(settings.SECRET_KEY, tag)
    if kind == "flyer":
        pdf = printed.flyer(statement, language=language, paper=paper_size, source=source)
    elif kind == "sheets":
        first = _first(request.GET.get("first", ""))
        numbers = [f"{n:04d}" for n in range(first, first + SHEETS_PER_DOWNLOAD)]
        pdf = printed.sheets(
            statement, language=language, paper=paper_size, source=source, numbers=numbers
        )
    else:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{kind}-{language}.pdf"'
    return response
