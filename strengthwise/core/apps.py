from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "strengthwise.core"
    label = "core"
