from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "strengthwise.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (sign-in, sign-out and failed sign-in events)
