from django.urls import path

from undersigned.public import views

urlpatterns = [
    path("", views.home, name="home"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("<slug:slug>/", views.statement_page, name="statement"),
    path("<slug:slug>/sign/", views.sign, name="sign"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
]
