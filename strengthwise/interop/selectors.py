"""Reads for the interop pages and API: the agency's webhook endpoints with their delivery log."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from strengthwise.accounts.access import may_manage_webhooks

from .models import WebhookDelivery, WebhookEndpoint

RECENT = 10  # deliveries shown per endpoint


def endpoints_with_deliveries(
    *, agency_id: int | None = None, endpoint_id: int | None = None, recent: int = RECENT
) -> list[WebhookEndpoint]:
    """Endpoints (of one agency, or every agency for the command line), newest first, removed
    ones last, each with `recent_deliveries` (newest first, at most `recent`) and `waiting`
    (deliveries not yet delivered nor given up). Two queries, however many rows."""
    endpoints = WebhookEndpoint.objects.defer("secret").annotate(
        waiting=Count(
            "deliveries",
            filter=Q(deliveries__delivered_at__isnull=True, deliveries__gave_up_at__isnull=True),
        )
    )
    if agency_id is not None:
        endpoints = endpoints.filter(agency_id=agency_id)
    if endpoint_id is not None:
        endpoints = endpoints.filter(pk=endpoint_id)
    found: list[WebhookEndpoint] = list(
        endpoints.order_by(F("removed_at").asc(nulls_first=True), "-created_at", "-id")
    )
    by_id: dict[int, list[Any]] = {e.pk: [] for e in found}
    if found:
        ranked = (
            WebhookDelivery.objects.filter(endpoint_id__in=list(by_id))
            .defer("payload")
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("endpoint_id")],
                    order_by=[F("created_at").desc(), F("id").desc()],
                )
            )
            .filter(rank__lte=recent)
            .order_by("endpoint_id", "rank")
        )
        for delivery in ranked:
            by_id[delivery.endpoint_id].append(delivery)
    for endpoint in found:
        endpoint.recent_deliveries = by_id[endpoint.pk]  # type: ignore[attr-defined]
    return found


def endpoint_list(*, visible_to: Any) -> list[WebhookEndpoint]:
    """The user's agency's endpoints with their recent deliveries; none for anyone who may
    not manage them."""
    if not may_manage_webhooks(visible_to):
        return []
    return endpoints_with_deliveries(agency_id=visible_to.agency_id)


def endpoint_detail(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """One endpoint (already reached through `access_webhook_endpoint`) with its recent
    deliveries."""
    return endpoints_with_deliveries(agency_id=endpoint.agency_id, endpoint_id=endpoint.pk)[0]
