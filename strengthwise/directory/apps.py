from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "strengthwise.directory"
    label = "directory"
    verbose_name = "Resource directory (HSDS 3.0)"
