from django.urls import path

from undersigned.control import views, witnesses

app_name = "control"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("password/", views.password, name="password"),
    path("endorsements/", views.queue, name="queue"),
    path("endorsements/<int:pk>/", views.endorsement, name="endorsement"),
    path("statements/<slug:slug>/invites/", views.invites, name="invites"),
    path("audit/", views.audit, name="audit"),
    path("witnesses/", witnesses.witnesses, name="witnesses"),
    path("witnesses/<int:pk>/retire/", witnesses.retire, name="retire_witness"),
]
