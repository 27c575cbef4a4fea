from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "strengthwise.outcomes"
    label = "outcomes"
    verbose_name = "Closure, outcomes and reports"
