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

An agency's admins manage their endpoints (Settings → Webhooks, /api/v1/webhooks, and
`strengthwise webhook` on the command line, all through the services below, each change
audited): add (`endpoint_add`, the secret returned once), turn off and on
(`endpoint_set_active`: off, nothing is queued or sent), rotate the secret
(`endpoint_rotate_secret`) and remove (`endpoint_remove`: retired, not deleted, so the
delivery log stays). A secret is never written to the audit trail or a log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.audit.services import CLIENT_IN_PORTAL, HIDDEN, audit_record
from strengthwise.core.errors import DomainError, ValidationFailed

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


EVENT_TYPES: tuple[str, ...] = tuple(sorted(set(EVENTS.values())))


def http_allowed() -> bool:
    """Whether endpoints may be plain http:// and on this machine or a private network: only
    where STRENGTHWISE_WEBHOOKS_ALLOW_HTTP says so (tests and development, by default: the
    tests' receivers listen on 127.0.0.1)."""
    return bool(getattr(settings, "STRENGTHWISE_WEBHOOKS_ALLOW_HTTP", False))


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field_errors={field: [message]})


def _private_host(host: str) -> bool:
    """A host name or address literal that is this machine or a private network: a receiver
    there would let an endpoint reach what the Internet cannot."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return not address.is_global


def _resolves_privately(url: str) -> str:
    """At send time: "" when every address the endpoint's host name resolves to is on the
    Internet, else why not (a name registered as public may point, or be re-pointed, at this
    machine or a private network; an address literal was checked when it was added)."""
    host = urlsplit(url).hostname or ""
    if _private_host(host):
        return "refused: the address is this machine or a private network"
    try:
        ipaddress.ip_address(host.strip("[]"))
        return ""  # a public address literal
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as error:
        return f"the host name did not resolve: {error}"[:500]
    for *_rest, sockaddr in found:
        if not ipaddress.ip_address(str(sockaddr[0]).split("%")[0]).is_global:
            return "refused: the host name resolves to this machine or a private network"
    return ""


def endpoint_url_check(url: str) -> str:
    """The address, trimmed, or ValidationFailed naming `url` with the reason: https://
    (http:// only where allowed), a host, no user name or password in it, at most 500
    characters."""
    url = (url or "").strip()
    if not url:
        raise _refuse("url", _("Enter the address the deliveries go to."))
    if len(url) > 500:
        raise _refuse("url", _("The address is longer than 500 characters."))
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
    except (DjangoValidationError, ValueError):
        raise _refuse(
            "url", _("Enter a whole web address, such as https://example.org/hooks.")
        ) from None
    allow_http = http_allowed()
    if parts.scheme != "https" and not allow_http:
        raise _refuse("url", _("The address must start with https://, so deliveries are private."))
    if parts.username is not None or parts.password is not None:
        raise _refuse(
            "url",
            _("Leave the user name and password out of the address: deliveries are signed."),
        )
    if parts.fragment:
        raise _refuse("url", _("Leave the part after # out of the address."))
    if not allow_http and _private_host(host):
        raise _refuse(
            "url", _("The address must be on the Internet, not this machine or a private network.")
        )
    return url


def endpoint_events_check(events: Iterable[str]) -> list[str]:
    """The events, sorted without repeats, or ValidationFailed naming `events`."""
    chosen = sorted({str(e) for e in events or []})
    if not chosen:
        raise _refuse("events", _("Choose at least one event."))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise _refuse(
            "events",
            _("Unknown events: %(unknown)s. Choose among %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)},
        )
    return chosen


def url_for_log(url: str) -> str:
    """The address as the audit trail keeps it: without its query, which may carry the
    receiver's own key."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path, "[hidden]" if parts.query else "", "")
    )


def _who(acting_user: Any, actor_label: str) -> dict[str, Any]:
    return {
        "actor": acting_user,
        "actor_label": actor_label
        or ("" if acting_user else "strengthwise webhook (command line)"),
    }


def endpoint_add(
    *,
    agency_id: int,
    url: str,
    events: Iterable[str],
    acting_user: Any = None,
    actor_label: str = "",
    request: Any = None,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for some of EVENT_TYPES; returns it and its signing secret, which
    is shown this once (sealed at rest, never in the audit trail or a log). Refused with the
    reason per field (`url`, `events`) and nothing written when either is wrong."""
    url = endpoint_url_check(url)
    chosen = endpoint_events_check(events)
    secret = secrets.token_hex(32)
    endpoint = WebhookEndpoint(
        agency_id=agency_id, url=url, secret=secret, events=chosen, created_by=acting_user
    )
    try:
        endpoint.full_clean(exclude=["agency", "created_by"])
    except DjangoValidationError as error:
        raise ValidationFailed(
            _("The endpoint was not saved."),
            field_errors={k: [str(m) for m in v] for k, v in error.message_dict.items()},
        ) from None
    with transaction.atomic():
        endpoint.save()
        audit_record(
            **_who(acting_user, actor_label),
            action="webhook.endpoint_added",
            target=endpoint,
            agency_id=agency_id,
            changes={"url": [None, url_for_log(url)], "events": [None, chosen]},
            request=request,
        )
    return endpoint, secret


def _not_removed(endpoint: WebhookEndpoint) -> None:
    if endpoint.removed_at is not None:
        raise DomainError(_("This endpoint was removed. Add a new one instead."))


def endpoint_set_active(
    *,
    endpoint: WebhookEndpoint,
    active: bool,
    acting_user: Any = None,
    actor_label: str = "",
    request: Any = None,
) -> WebhookEndpoint:
    """Turn an endpoint off (nothing is sent to it, its waiting deliveries wait, new events
    are not queued for it) or on again (what waited is sent). No change, no audit event."""
    _not_removed(endpoint)
    if endpoint.active == active:
        return endpoint
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=active)
        audit_record(
            **_who(acting_user, actor_label),
            action="webhook.endpoint_changed",
            target=endpoint,
            changes={"active": [endpoint.active, active]},
            request=request,
        )
    endpoint.active = active
    return endpoint


def endpoint_rotate_secret(
    *,
    endpoint: WebhookEndpoint,
    acting_user: Any = None,
    actor_label: str = "",
    request: Any = None,
) -> tuple[WebhookEndpoint, str]:
    """A new signing secret for the endpoint, returned to be shown once; the old one stops
    signing at once (every delivery from now on, retries included, uses the new one)."""
    _not_removed(endpoint)
    secret = secrets.token_hex(32)
    with transaction.atomic():
        endpoint.secret = secret
        endpoint.save(update_fields=["secret"])
        audit_record(
            **_who(acting_user, actor_label),
            action="webhook.secret_rotated",
            target=endpoint,
            changes={"secret": [HIDDEN, HIDDEN]},
            request=request,
        )
    return endpoint, secret


def endpoint_remove(
    *,
    endpoint: WebhookEndpoint,
    acting_user: Any = None,
    actor_label: str = "",
    request: Any = None,
) -> WebhookEndpoint:
    """Retire an endpoint: nothing more is queued or sent to it (what still waited is given
    up), its secret is wiped, and it stays listed as removed with its delivery log — the
    record of which events left the agency, and where to."""
    _not_removed(endpoint)
    now = timezone.now()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            active=False, removed_at=now, secret=""
        )
        dropped = WebhookDelivery.objects.filter(
            endpoint=endpoint, delivered_at__isnull=True, gave_up_at__isnull=True
        ).update(gave_up_at=now)
        audit_record(
            **_who(acting_user, actor_label),
            action="webhook.endpoint_removed",
            target=endpoint,
            changes={"removed_at": [None, now], "active": [endpoint.active, False]}
            | ({"deliveries_given_up": [0, dropped]} if dropped else {}),
            request=request,
        )
    endpoint.active, endpoint.removed_at, endpoint.secret = False, now, ""
    return endpoint


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
            delivered_at__isnull=True,
            gave_up_at__isnull=True,
            next_attempt_at__lte=now,
            endpoint__active=True,  # an endpoint turned off keeps its deliveries waiting
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
            refused = "" if http_allowed() else _resolves_privately(delivery.endpoint.url)
            if refused:
                text = refused  # not sent; retried, as the name may be put right
            else:
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
