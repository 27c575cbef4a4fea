from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "strengthwise.interop"
    label = "interop"
    verbose_name = "Interoperability"
