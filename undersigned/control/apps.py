from django.apps import AppConfig


class ControlConfig(AppConfig):
    name = "undersigned.control"
    verbose_name = "Organisers and moderators"
