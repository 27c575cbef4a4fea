"""/api/v1/directory/services: the find-help search as JSON (same filters, ranking and paging as
the page: `selectors.search_page`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from strengthwise.accounts.access import may_see_address_of
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.validation import refuse_nul

from . import geocode, hours, selectors
from .models import Service

router = Router(tags=["directory"])


class SearchIn(Schema):
    q: str = Field(default="", max_length=200)
    term: UUID | None = None
    domain: str = Field(default="", max_length=40)
    language: str = Field(default="", max_length=20)
    open_now: bool = False
    capacity: list[str] = Field(default_factory=list)
    eligibility: str = Field(default="", max_length=100)
    client: int | None = Field(
        default=None, description="Rank for this client: near home, in their language"
    )
    within_km: float | None = Field(default=None, gt=0, le=selectors.MAX_KM)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    domain_rank: str = Field(default="", max_length=40, description="Rank by this life domain")
    goal: int | None = Field(
        default=None,
        description="Rank for this goal of the client (its words, then its life domain), as the "
        "find-help page does; the client is the goal's when `client` is not given",
    )
    limit: int = Field(default=selectors.PAGE_SIZE, ge=1, le=100)
    cursor: str = Field(
        default="", max_length=500, description="`next_cursor` of the previous page"
    )


def service_out(service: Service, hit: selectors.Hit | None = None) -> dict[str, Any]:
    """A service as JSON; a search result's (`hit`) from what the search read for its page,
    its locations the nearest first when searching near a point."""
    if hit is None:
        sites = [sal.location for sal in service.at_locations.all()]
        languages = list(service.languages.all())
        domains = [d.domain for d in service.domains.all()]
        addresses = {site.pk: list(site.addresses.all()) for site in sites}
    else:
        sites, languages, domains, addresses = (
            hit.locations,
            hit.languages,
            hit.domains,
            hit.addresses,
        )
    return {
        "id": str(service.pk),
        "name": service.name,
        "organization": service.organization.name if service.organization else None,
        "description": service.description,
        "eligibility": service.eligibility_description,
        "fees": service.fees_description,
        "status": service.status,
        "capacity": service.capacity or None,
        "capacity_notes": service.capacity_notes,
        "languages": [lang.code for lang in languages],
        "domains": domains,
        "open_now": hit.open_now if hit else None,
        "distance_km": round(hit.distance_km, 2) if hit and hit.distance_km is not None else None,
        "locations": [
            {
                "id": str(site.pk),
                "name": site.name,
                "latitude": site.latitude,
                "longitude": site.longitude,
                "addresses": [
                    f"{a.address_1}, {a.city}, {a.state_province} {a.postal_code}"
                    for a in addresses.get(site.pk, [])
                ],
            }
            for site in sites
        ],
    }


@router.get("/services")
def services_search(request: StaffRequest, filters: Query[SearchIn]) -> dict[str, Any]:
    """Search the directory. Give `client` to search near that client's home (when you may
    know it) and rank by their language; `latitude`/`longitude` search near a point."""
    refuse_nul(filters.dict())
    tz = ZoneInfo(request.user.agency.timezone if request.user.agency else "UTC")
    f = selectors.Filters(
        words=filters.q,
        term=filters.term,
        domain=filters.domain,
        language=filters.language,
        open_now=filters.open_now,
        capacity=[c for c in filters.capacity if c in Service.Capacity.values],
        eligibility=filters.eligibility,
        within_km=filters.within_km,
    )
    rank_language = ""
    rank_domain = filters.domain_rank
    rank_words = ""
    client, goal = selectors.find_help_for(
        visible_to=request.user, client_id=filters.client, goal_id=filters.goal, request=request
    )
    if goal is not None:
        rank_domain = rank_domain or goal.domain
        rank_words = goal.statement
    if client is not None:
        rank_language = client.preferred_language
        home = geocode.home_point(client) if may_see_address_of(request.user, client) else None
        if home is not None:
            f.near = home  # type: ignore[assignment]
    elif filters.latitude is not None and filters.longitude is not None:
        f.near = (filters.latitude, filters.longitude)
    page = selectors.search_page(
        f,
        tz=tz,
        rank_domain=rank_domain,
        rank_language=rank_language,
        rank_words=rank_words,
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return {
        "count": page.total,
        "results": [service_out(h.service, h) for h in page.hits],
        "next_cursor": page.next_cursor or None,
    }


@router.get("/services/{service_id}")
def service_get(request: StaffRequest, service_id: UUID) -> dict[str, Any]:
    try:
        service = selectors.service_page(service_id)
    except Service.DoesNotExist as exc:
        raise Http404("Not found") from exc
    rules = selectors.service_schedules(service)
    tz = ZoneInfo(request.user.agency.timezone if request.user.agency else "UTC")
    body = service_out(service)
    body["open_now"] = hours.is_open(rules, timezone.now(), tz)
    body["hours"] = hours.describe(rules)
    body["ratings"] = {
        k: v for k, v in selectors.rating_summary(service, request.user).items() if k != "comments"
    }
    return body
