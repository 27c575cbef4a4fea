from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _private_sqlite_files(sender: Any, connection: Any, **kwargs: Any) -> None:
    """A SQLite database holds client data: its file (and its journal files) are readable by
    their owner only, whoever created them and whatever the process's umask."""
    if connection.vendor != "sqlite":
        return
    from pathlib import Path

    from .files import make_private

    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        make_private(Path(name + suffix))


class CoreConfig(AppConfig):
    name = "strengthwise.core"
    label = "core"

    def ready(self) -> None:
        from .checks import field_keys_check, sealed_ordering_check
        from .dbstats import after_migrate
        from .fields import refuse_sealed_ordering

        refuse_sealed_ordering()

        checks.register(field_keys_check, checks.Tags.security, deploy=True)
        checks.register(sealed_ordering_check, checks.Tags.models)
        connection_created.connect(_private_sqlite_files, dispatch_uid="strengthwise-private-db")
        # Once per migrate (this app's signal), after every app's migrations.
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="strengthwise-statistics")
