from django.urls import path

from undersigned.public.api import views

# <str:slug>, not <slug:slug>: an odd slug gets the API's JSON 404, not an HTML page.
urlpatterns = [
    path("openapi.json", views.openapi, name="api_openapi"),
    path("statements/", views.statements, name="api_statements"),
    path("statements/<str:slug>/", views.statement, name="api_statement"),
    path("statements/<str:slug>/counts/", views.counts, name="api_counts"),
    path("statements/<str:slug>/countries/", views.countries, name="api_countries"),
    path("statements/<str:slug>/timeline/", views.timeline, name="api_timeline"),
    path("statements/<str:slug>/signers/", views.signers, name="api_signers"),
    path("statements/<str:slug>/organisations/", views.organisations, name="api_organisations"),
]
