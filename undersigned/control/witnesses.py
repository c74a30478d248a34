"""Moderators register the keys of the count log's witnesses (docs/verify.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from undersigned.control.decorators import staff_view
from undersigned.lib.tlog import note
from undersigned.statements import witnesses as log_witnesses
from undersigned.statements.models import Witness


class WitnessForm(forms.Form):
    vkey = forms.CharField(
        label=gettext_lazy("The witness's verifier key"),
        max_length=300,
        help_text=gettext_lazy("It starts with the witness's name, as in ngo.example/witness+…"),
    )
    public_name = forms.CharField(
        label=gettext_lazy("Name shown on the statement page (optional)"),
        max_length=160,
        required=False,
    )

    def clean_vkey(self) -> str:
        vkey: str = self.cleaned_data["vkey"].strip()
        try:
            verifier = note.Verifier.parse(vkey)
        except note.NoteError:
            raise forms.ValidationError(_("This is not a verifier key.")) from None
        if verifier.sig_type != note.COSIGNATURE_V1:
            raise forms.ValidationError(_("This is not a witness's cosignature key."))
        return verifier.vkey


@require_http_methods(["GET", "POST"])
@staff_view()
def witnesses(request: HttpRequest) -> HttpResponse:
    form = WitnessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        log_witnesses.register_witness(data["vkey"], data["public_name"], by=request.user)
        messages.success(request, _("The witness is registered."))
        return redirect("control:witnesses")
    context = {"form": form, "witnesses": Witness.objects.order_by("-active", "created_at")}
    return render(request, "control/witnesses.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view()
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    witness = get_object_or_404(Witness, pk=pk, active=True)
    log_witnesses.retire_witness(witness, by=request.user)
    messages.success(request, _("The witness is retired."))
    return redirect("control:witnesses")
