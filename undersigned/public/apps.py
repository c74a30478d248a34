from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "undersigned.public"
    verbose_name = "Public site"
