from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from undersigned.public import views as public_views

urlpatterns = [
    path("healthz", public_views.healthz, name="healthz"),
    path("count/<slug:slug>.json", public_views.count, name="count"),
    path("pow/<slug:slug>.json", public_views.challenge, name="challenge"),
    path("control/", include("undersigned.control.urls")),
    path("admin/", admin.site.urls),
    *i18n_patterns(path("", include("undersigned.public.urls")), prefix_default_language=True),
]
