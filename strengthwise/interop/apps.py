from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_save


class InteropConfig(AppConfig):
    name = "strengthwise.interop"
    label = "interop"
    verbose_name = "Interoperability"

    def ready(self) -> None:
        from . import webhooks

        def audited(sender: Any, instance: Any, created: bool = False, **kw: Any) -> None:
            # Written in the same transaction as the change the event reports (an outbox).
            if created and instance.action in webhooks.EVENTS:
                webhooks.enqueue_from_audit(instance)

        post_save.connect(
            audited,
            sender=apps.get_model("audit", "AuditEvent"),
            weak=False,
            dispatch_uid="interop-webhooks",
        )
