from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "strengthwise.directory"
    label = "directory"
    verbose_name = "Resource directory (HSDS 3.0)"

    def ready(self) -> None:
        """Every save or delete of a row the find-help index reads gives the directory a new
        token, before the write (index.py)."""
        from django.db.models.signals import pre_delete, pre_save

        from . import index

        for model in index.SOURCES:
            label = model._meta.label
            pre_save.connect(index.changed, sender=model, weak=False, dispatch_uid=f"dir-s-{label}")
            pre_delete.connect(
                index.changed, sender=model, weak=False, dispatch_uid=f"dir-d-{label}"
            )
