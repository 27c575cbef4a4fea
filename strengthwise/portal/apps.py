from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "strengthwise.portal"
    label = "portal"
    verbose_name = "Client portal"
