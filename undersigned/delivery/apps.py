from django.apps import AppConfig

# Imported for its side effect: it registers the deploy check that wants a real SMTP server.
from undersigned.delivery import checks  # noqa: F401


class DeliveryConfig(AppConfig):
    name = "undersigned.delivery"
    verbose_name = "Email delivery"
