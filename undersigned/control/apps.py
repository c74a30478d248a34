from django.apps import AppConfig


class ControlConfig(AppConfig):
    name = "undersigned.control"
    verbose_name = "Organisers and moderators"

    def ready(self) -> None:
        # django.contrib.admin comes first in INSTALLED_APPS, so its ready() has already
        # imported every app's admin module by now.
        from undersigned.control.admin import audit_every_admin

        audit_every_admin()
