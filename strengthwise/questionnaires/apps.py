from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "strengthwise.questionnaires"
    label = "questionnaires"
    verbose_name = "Agency questionnaires"
