from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "strengthwise.plans"
    label = "plans"
    verbose_name = "Plans and goals"
