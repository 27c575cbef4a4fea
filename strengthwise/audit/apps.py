from django.apps import AppConfig
from django.core import checks


class AuditConfig(AppConfig):
    name = "strengthwise.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from strengthwise.core import backup

        from . import signals  # noqa: F401  (sign-in, sign-out and failed sign-in events)
        from .checks import audit_key_check
        from .verify import backup_check

        checks.register(audit_key_check, checks.Tags.security, deploy=True)
        # `strengthwise backup` / `restore` (core, below audit) verify the copy's chain too.
        backup.register_verifier("audit chain", backup_check)
