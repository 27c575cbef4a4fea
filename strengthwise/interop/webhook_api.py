"""/api/v1/webhooks: the agency admins' webhook endpoints — the same services and selectors as
Settings → Webhooks. Anyone else, and any other agency's endpoint, answers 404."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import Http404, HttpResponse
from ninja import Field, Router, Schema, Status

from strengthwise.accounts.access import access_webhook_endpoint, may_manage_webhooks
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.schemas import ErrorOut, InSchema

from . import selectors, webhooks
from .models import WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])


class DeliveryOut(Schema):
    event: str
    event_id: uuid.UUID = Field(description="The same on every retry: the receiver drops repeats")
    created_at: dt.datetime
    attempts: int
    last_status: int | None = Field(description="The HTTP status of the last answer; null: none")
    last_response: str = Field(description="The start of the last answer (or the error)")
    state: Literal["delivered", "gave_up", "waiting"]
    delivered_at: dt.datetime | None
    gave_up_at: dt.datetime | None
    next_attempt_at: dt.datetime | None = Field(description="While waiting: the next try")


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime
    removed_at: dt.datetime | None = Field(
        description="Removed: nothing more is sent; kept with its delivery log"
    )
    waiting: int = Field(description="Deliveries neither delivered nor given up")
    recent_deliveries: list[DeliveryOut] = Field(description="The newest ten, newest first")


class EndpointSecretOut(EndpointOut):
    secret: str = Field(
        description="The signing secret, shown in this answer only: it is never shown again"
    )


class EndpointIn(InSchema):
    url: str = Field(max_length=500, description="https:// on the Internet")
    events: list[str] = Field(
        max_length=20,
        description="One or more of: " + ", ".join(webhooks.EVENT_TYPES) + " (400 otherwise)",
    )


class EndpointPatch(InSchema):
    active: bool = Field(description="false: nothing is sent until it is true again")


def _delivery(d: WebhookDelivery) -> dict[str, Any]:
    state = "delivered" if d.delivered_at else "gave_up" if d.gave_up_at else "waiting"
    return {
        "event": d.event,
        "event_id": d.event_id,
        "created_at": d.created_at,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_response": d.last_response,
        "state": state,
        "delivered_at": d.delivered_at,
        "gave_up_at": d.gave_up_at,
        "next_attempt_at": d.next_attempt_at if state == "waiting" else None,
    }


def _endpoint(e: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": e.pk,
        "url": e.url,
        "events": list(e.events),
        "active": e.active,
        "created_at": e.created_at,
        "removed_at": e.removed_at,
        "waiting": getattr(e, "waiting", 0),
        "recent_deliveries": [_delivery(d) for d in getattr(e, "recent_deliveries", [])],
    }


def _admins_only(request: StaffRequest) -> int:
    if not may_manage_webhooks(request.user):
        raise Http404("No such page")
    return int(request.user.agency_id or 0)  # an admin always has an agency


@router.get(
    "/webhooks",
    response=list[EndpointOut],
    summary="The agency's webhook endpoints with their recent deliveries (agency admins)",
)
def endpoint_list(request: StaffRequest) -> Any:
    _admins_only(request)
    return [_endpoint(e) for e in selectors.endpoint_list(visible_to=request.user)]


@router.post(
    "/webhooks",
    response={201: EndpointSecretOut, 400: ErrorOut},
    summary="Register an endpoint; its signing secret is in this answer only",
)
def endpoint_create(request: StaffRequest, body: EndpointIn) -> Any:
    """400 names the field (`url`, `events`) with the reason, and writes nothing. The answer
    holds a one-time secret: it is not kept for `Idempotency-Key` (the same key again: 409)."""
    agency_id = _admins_only(request)
    request.idempotency_withhold = True  # type: ignore[attr-defined]
    endpoint, secret = webhooks.endpoint_add(
        agency_id=agency_id,
        url=body.url,
        events=list(body.events),
        acting_user=request.user,
        request=request,
    )
    return Status(
        201, {**_endpoint(selectors.endpoint_detail(endpoint=endpoint)), "secret": secret}
    )


@router.get(
    "/webhooks/{endpoint_id}",
    response=EndpointOut,
    summary="One endpoint with its recent deliveries",
)
def endpoint_get(request: StaffRequest, endpoint_id: str) -> Any:
    endpoint = access_webhook_endpoint(request.user, endpoint_id)
    return _endpoint(selectors.endpoint_detail(endpoint=endpoint))


@router.patch(
    "/webhooks/{endpoint_id}",
    response={200: EndpointOut, 400: ErrorOut},
    summary="Turn an endpoint off or on (400 once it is removed)",
)
def endpoint_patch(request: StaffRequest, endpoint_id: str, body: EndpointPatch) -> Any:
    endpoint = access_webhook_endpoint(request.user, endpoint_id)
    webhooks.endpoint_set_active(
        endpoint=endpoint, active=body.active, acting_user=request.user, request=request
    )
    return _endpoint(selectors.endpoint_detail(endpoint=endpoint))


@router.delete(
    "/webhooks/{endpoint_id}",
    response={204: None, 400: ErrorOut},
    summary="Remove an endpoint: nothing more is sent; it stays listed with its deliveries",
)
def endpoint_delete(request: StaffRequest, endpoint_id: str) -> Any:
    endpoint = access_webhook_endpoint(request.user, endpoint_id)
    webhooks.endpoint_remove(endpoint=endpoint, acting_user=request.user, request=request)
    return HttpResponse(status=204)


@router.post(
    "/webhooks/{endpoint_id}/rotate",
    response={200: EndpointSecretOut, 400: ErrorOut},
    summary="A new signing secret, in this answer only; the old one stops signing at once",
)
def endpoint_rotate(request: StaffRequest, endpoint_id: str) -> Any:
    endpoint = access_webhook_endpoint(request.user, endpoint_id)
    request.idempotency_withhold = True  # type: ignore[attr-defined]
    endpoint, secret = webhooks.endpoint_rotate_secret(
        endpoint=endpoint, acting_user=request.user, request=request
    )
    return {**_endpoint(selectors.endpoint_detail(endpoint=endpoint)), "secret": secret}
