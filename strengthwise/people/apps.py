from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "strengthwise.people"
    label = "people"
    verbose_name = "Clients and caseloads"
