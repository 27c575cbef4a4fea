from django.apps import AppConfig
from django.core import checks


class AuditConfig(AppConfig):
    name = "strengthwise.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (sign-in, sign-out and failed sign-in events)
        from .checks import audit_key_check

        checks.register(audit_key_check, checks.Tags.security, deploy=True)
