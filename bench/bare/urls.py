from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from bare.models import Entry

CONTEXT = {
    "title": "A joint statement",
    "demands": ["First demand", "Second demand", "Third demand"],
    "body": ["A paragraph of the statement's text. " * 8] * 6,
    "count": 12345,
}


def page(request: HttpRequest) -> HttpResponse:
    return render(request, "page.html", CONTEXT)


class SignForm(forms.Form):
    name = forms.CharField(max_length=120)
    email = forms.EmailField()


@csrf_exempt
def sign(request: HttpRequest) -> HttpResponse:
    form = SignForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    Entry.objects.create(**form.cleaned_data)
    return redirect("/page/")


urlpatterns = [path("page/", page), path("sign/", sign)]
