from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from undersigned.public import embed, errors, tlog_views
from undersigned.public import views as public_views

handler400 = errors.bad_request
handler403 = errors.forbidden
handler404 = errors.not_found
handler500 = errors.server_error

urlpatterns = [
    path("healthz", public_views.healthz, name="healthz"),
    path("robots.txt", errors.robots_txt, name="robots_txt"),
    path("favicon.ico", errors.favicon, name="favicon"),
    path("count/<slug:slug>.json", public_views.count, name="count"),
    path("pow/<slug:slug>.json", public_views.challenge, name="challenge"),
    # The count log (C2SP tlog-tiles); its origin line is SITE_URL's host and path + log/<slug>.
    path("log/<slug:slug>/checkpoint", tlog_views.checkpoint, name="log_checkpoint"),
    path("log/<slug:slug>/tile/<path:path>", tlog_views.tile, name="log_tile"),
    path("log/<slug:slug>/count.json", tlog_views.count, name="log_count"),
    path("log/<slug:slug>/vkey", tlog_views.verifier_key, name="log_vkey"),
    path("log/<slug:slug>/cosignature", tlog_views.cosignature, name="log_cosignature"),
    path("log/<slug:slug>/receipt/", tlog_views.check_receipt, name="log_receipt"),
    path("api/v1/", include("undersigned.public.api.urls")),
    path("embed/<slug:slug>/", embed.embed, name="embed"),
    path("embed/<slug:slug>/badge.svg", embed.badge, name="embed_badge"),
    path("control/", include("undersigned.control.urls")),
    path("admin/", admin.site.urls),
    *i18n_patterns(path("", include("undersigned.public.urls")), prefix_default_language=True),
]
