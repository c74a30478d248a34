from django.urls import path

from undersigned.control import paper, witnesses
from undersigned.control.views import auth, dashboard, defence, moderation, statements

app_name = "control"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("two-factor/", auth.two_factor, name="two_factor"),
    path("password/", auth.password, name="password"),
    path("endorsements/", moderation.queue, name="queue"),
    path("endorsements/<int:pk>/", moderation.endorsement, name="endorsement"),
    path("endorsements/<int:pk>/name/", moderation.name_publicly, name="name_publicly"),
    path("statements/", statements.statements, name="statements"),
    path("upload/", statements.upload, name="upload"),
    path("statements/<slug:slug>/", statements.statement, name="statement"),
    path("statements/<slug:slug>/publish/", statements.publish, name="publish"),
    path("statements/<slug:slug>/close/", statements.close, name="close"),
    path("statements/<slug:slug>/versions/<int:pk>/", statements.version, name="version"),
    path("statements/<slug:slug>/invites/", moderation.invites, name="invites"),
    path("audit/", moderation.audit, name="audit"),
    path("quarantine/", defence.quarantine, name="quarantine"),
    path("invalidations/", defence.invalidations, name="invalidations"),
    path("invalidations/<int:pk>/undo/", defence.undo, name="undo"),
    path("trending/", defence.trending, name="trending"),
    path("blocklist/", defence.blocklist, name="blocklist"),
    path("blocklist/<int:pk>/delete/", defence.unblock, name="unblock"),
    path("witnesses/", witnesses.witnesses, name="witnesses"),
    path("witnesses/<int:pk>/retire/", witnesses.retire, name="retire_witness"),
    path("statements/<slug:slug>/paper/", paper.paper_page, name="paper"),
    path("statements/<slug:slug>/paper/<int:pk>/undo/", paper.paper_undo, name="paper_undo"),
    path(
        "statements/<slug:slug>/print/<str:kind>/<str:language>.pdf",
        paper.printable,
        name="printable",
    ),
]
