from django.apps import AppConfig


class StatementsConfig(AppConfig):
    name = "undersigned.statements"
    verbose_name = "Statements"
