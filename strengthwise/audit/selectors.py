"""Reading the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditEvent

READ_ACTIONS = ("client.viewed",)


def audit_event_list_for_client(*, client_id: int, limit: int = 50) -> QuerySet[AuditEvent]:
    """The newest events about one client (caller has already passed the access gate)."""
    return AuditEvent.objects.filter(client_id=client_id).order_by("-seq")[:limit]
