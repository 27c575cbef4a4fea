from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "strengthwise.tasks"
    label = "tasks"
    verbose_name = "Tasks, reminders and dashboards"
