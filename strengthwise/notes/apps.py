from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "strengthwise.notes"
    label = "notes"
    verbose_name = "Contact notes and the language helper"
