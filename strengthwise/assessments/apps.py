from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "strengthwise.assessments"
    label = "assessments"
    verbose_name = "Assessments"
