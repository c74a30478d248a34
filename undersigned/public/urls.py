from django.urls import path

from undersigned.public import (
    organisations,
    packages,
    sharing,
    signers,
    stats,
    tlog_views,
    views,
    withdraw,
)
from undersigned.public.feeds import OrganisationsFeed

urlpatterns = [
    path("", views.home, name="home"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/receipt/", tlog_views.receipt, name="receipt"),
    path("endorsement/<str:token>/", organisations.confirm_endorsement, name="confirm_endorsement"),
    path(
        "endorsement/<str:token>/withdraw/",
        withdraw.withdraw_endorsement,
        name="withdraw_endorsement",
    ),
    path("invite/<str:token>/", organisations.invite, name="invite"),
    path("<slug:slug>/", views.statement_page, name="statement"),
    path("<slug:slug>/sign/", views.sign, name="sign"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/endorse/", organisations.endorse, name="endorse"),
    path("<slug:slug>/organisations/", organisations.organisation_list, name="organisations"),
    path("<slug:slug>/organisations/feed/", OrganisationsFeed(), name="organisations_feed"),
    path("<slug:slug>/package.zip", packages.public_package, name="public_package"),
    path("<slug:slug>/signers/", signers.signer_list, name="signers"),
    path("<slug:slug>/statistics/", stats.statistics, name="statistics"),
    path("<slug:slug>/share.png", sharing.share_png, name="share_png"),
    path("<slug:slug>/share/mastodon/", sharing.mastodon, name="share_mastodon"),
    path("<slug:slug>/statistics/map.svg", stats.map_svg, name="statistics_map"),
    path("<slug:slug>/statistics/timeline.svg", stats.timeline_svg, name="statistics_timeline"),
]
