"""The audit trail: append-only, hash-chained events.

Each event stores the hash of the one before it and a hash of its own content, so altering or
deleting any stored row breaks the chain; `AuditHead` keeps the hash and number of the last
event so that removing events from the end is caught too (`strengthwise verify-audit`).

Actor, agency and client are stored as plain ids, not foreign keys: an audit row must outlive
anything it talks about, and `audit` sits below every other app (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    agency_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["agency_id", "at"], name="audit_agency_at"),
            models.Index(fields=["client_id", "at"], name="audit_client_at"),
            # What clients did in the portal (no staff actor), per client and time: Today's
            # "from the portal" read skips the staff's reads of each client, which
            # accumulate every day (dozens a fortnight for a client of a busy team).
            models.Index(
                fields=["client_id", "at"],
                name="audit_client_unstaffed_at",
                condition=models.Q(actor_id__isnull=True),
            ),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_label or 'system'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")


class AuditHead(models.Model):
    """One row: the number and hash of the newest event (the anchor of the chain)."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"head #{self.seq}"
