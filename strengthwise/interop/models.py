"""Webhooks: endpoints an agency registers for events, and the outbox of deliveries."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency
from strengthwise.core.fields import SealedCharField, SealedTextField


class WebhookEndpoint(models.Model):
    """Where an agency wants to be told about events. Deliveries are signed with `secret`
    (HMAC-SHA256; sealed at rest) and carry ids only — the receiver reads the rest through the
    API with its own token. Removing one retires it (`removed_at`; its secret wiped, nothing
    more sent) rather than deleting it: its deliveries are the log of what left the agency,
    and where to."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("address"), max_length=500)
    secret = SealedCharField(max_length=100, editable=False)
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: written in the transaction of the change it reports (an
    outbox), sent after commit by `strengthwise deliver-webhooks`, at least once, retried with
    backoff until it succeeds or gives up; every attempt's answer is kept."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=60)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["delivered_at", "gave_up_at", "next_attempt_at"], name="webhook_due"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_once_per_endpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → {self.endpoint_id}"


class IdempotentRequest(models.Model):
    """A POST to the API sent with an `Idempotency-Key`: while it runs, a second request with
    the same key waits its turn (409); once it succeeded, the same request again gets the same
    answer and changes nothing (interop/idempotency.py). Kept for a day. The key belongs to the
    bearer token that sent it (`owner`, a digest); the answer is sealed at rest."""

    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # None: still running
    content_type = models.CharField(max_length=100, blank=True)
    body = SealedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"Idempotent request {self.pk} ({self.status or 'running'})"
