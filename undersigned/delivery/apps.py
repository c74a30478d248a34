from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "undersigned.delivery"
    verbose_name = "Email delivery"
