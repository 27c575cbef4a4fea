"""Signed webhooks (issue 13 part 5).

Events are read off the audit trail as it is written: a receiver of the audit event's
post_save (interop/apps.py) turns the actions below into outbox rows for the agency's active
endpoints, inside the same transaction as the change — so a rolled-back change sends nothing
and a committed one is never lost. `deliver_due()` (the `deliver-webhooks` command, from cron
or a worker loop) sends them after commit: never in the user's request, so a slow receiver
slows no one.

A delivery is a POST of JSON `{"id", "type", "occurred_at", "agency", "data"}` — ids only,
no names or words — with headers `Strengthwise-Event-Id` and
`Strengthwise-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
A 2xx answer ends it; anything else is retried after 1, 2, 4, … minutes (at most a day
apart) up to MAX_ATTEMPTS, the status and the start of every answer kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone

from strengthwise.audit.services import CLIENT_IN_PORTAL, audit_record

from .models import WebhookDelivery, WebhookEndpoint

# Audit actions → the event type a receiver subscribes to.
EVENTS: dict[str, str] = {
    "referral.status_changed": "referral.status_changed",
    "consent.revoked": "consent.revoked",
    "consent.refused": "consent.revoked",
    "plan.client_agreed": "plan.signed",
    "checkin.recorded": "portal.message",
    "portal.message_from_client": "portal.message",
}
MAX_ATTEMPTS = 10
CLAIM = dt.timedelta(minutes=5)  # a sender that dies mid-send is retried after this
TIMEOUT_SECONDS = 5
BATCH = 100


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches and is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def endpoint_add(
    *, agency_id: int, url: str, events: list[str], acting_user: Any = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown once)."""
    unknown = set(events) - set(EVENTS.values())
    if unknown or not events:
        raise ValueError(f"choose events among {sorted(set(EVENTS.values()))}")
    secret = secrets.token_hex(32)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            agency_id=agency_id,
            url=url,
            secret=secret,
            events=sorted(set(events)),
            created_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            actor_label="" if acting_user else "strengthwise webhook add (command line)",
            action="webhook.endpoint_added",
            target=endpoint,
            agency_id=agency_id,
            changes={"url": [None, url], "events": [None, endpoint.events]},
        )
    return endpoint, secret


def enqueue_from_audit(event: Any) -> None:
    """Outbox rows for an audit event that is a webhook event (called in its transaction)."""
    kind = EVENTS.get(event.action)
    if kind is None or event.agency_id is None:
        return
    if kind == "portal.message" and not (
        event.actor_id is None and event.actor_label.endswith(CLIENT_IN_PORTAL)
    ):
        return  # only a client's own check-in or message in the portal is a message
    endpoints = [
        e
        # Not the secret: it is opened only to sign a delivery, never in the user's request.
        for e in WebhookEndpoint.objects.filter(agency_id=event.agency_id, active=True).only(
            "pk", "events"
        )
        if kind in e.events
    ]
    if not endpoints:
        return
    data: dict[str, Any] = {
        "target": event.target_type,
        "target_id": event.target_id,
        "client_id": event.client_id,
    }
    status = (event.changes or {}).get("status")
    if isinstance(status, list) and len(status) == 2:
        data["status"] = status[1]
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=e,
            event=kind,
            payload={
                "type": kind,
                "occurred_at": event.at.isoformat(),
                "agency": event.agency_id,
                "data": data,
            },
            next_attempt_at=now,
        )
        for e in endpoints
    )


@dataclass(frozen=True)
class Sent:
    delivered: int
    failed: int
    gave_up: int


def _backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(0, attempts - 1)), dt.timedelta(days=1))


def deliver_due(*, now: dt.datetime | None = None, client: httpx.Client | None = None) -> Sent:
    """Send what is due, once each; returns how many were delivered, failed, given up."""
    now = now or timezone.now()
    delivered = failed = gave_up = 0
    due = list(
        WebhookDelivery.objects.filter(
            delivered_at__isnull=True, gave_up_at__isnull=True, next_attempt_at__lte=now
        )
        .select_related("endpoint")
        .order_by("next_attempt_at", "id")[:BATCH]
    )
    http = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    try:
        for delivery in due:
            # Claim it first: a second run at the same moment (cron overlapping a worker loop)
            # finds it claimed and leaves it, so one event is not sent twice by two senders.
            claimed = WebhookDelivery.objects.filter(
                pk=delivery.pk,
                next_attempt_at=delivery.next_attempt_at,
                delivered_at__isnull=True,
            ).update(next_attempt_at=timezone.now() + CLAIM)
            if not claimed:
                continue
            body = json.dumps(
                {"id": str(delivery.event_id), **delivery.payload}, separators=(",", ":")
            ).encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Strengthwise-Webhooks/1",
                "Strengthwise-Event-Id": str(delivery.event_id),
                "Strengthwise-Signature": sign(delivery.endpoint.secret, int(time.time()), body),
            }
            status: int | None = None
            try:
                answer = http.post(delivery.endpoint.url, content=body, headers=headers)
                status, text = answer.status_code, answer.text[:500]
            except httpx.HTTPError as error:
                text = f"{type(error).__name__}: {error}"[:500]
            delivery.attempts += 1
            delivery.last_status = status
            delivery.last_response = text
            if status is not None and 200 <= status < 300:
                delivery.delivered_at = timezone.now()
                delivered += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.gave_up_at = timezone.now()
                gave_up += 1
            else:
                delivery.next_attempt_at = now + _backoff(delivery.attempts)
                failed += 1
            delivery.save(
                update_fields=[
                    "attempts",
                    "last_status",
                    "last_response",
                    "delivered_at",
                    "gave_up_at",
                    "next_attempt_at",
                ]
            )
    finally:
        if client is None:
            http.close()
    return Sent(delivered, failed, gave_up)
