"""Reads for the directory: the find-help search and a service's page.

Search runs in the database: words against the folded `search_text`, taxonomy terms through
attributes, life domains, languages, capacity, eligibility; "near" is a bounding-box prefilter
on the indexed latitude/longitude columns, then the exact (haversine) distance in Python over the
few candidates; "open now" is an SQL prefilter over schedules (hours.OpenNowParts.q), confirmed
per service with hours.is_open. A page of results costs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone

from strengthwise.core.text import fold

from . import geo, hours
from .models import (
    Attribute,
    Location,
    SavedService,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDomain,
    ServiceRating,
    TaxonomyTerm,
)

PAGE_SIZE = 25
MAX_KM = 200.0


@dataclass
class Filters:
    words: str = ""
    term: UUID | None = None
    domain: str = ""
    language: str = ""
    open_now: bool = False
    capacity: list[str] = field(default_factory=list)
    eligibility: str = ""
    near: tuple[float, float] | None = None
    within_km: float | None = None
    include_inactive: bool = False


@dataclass
class Hit:
    service: Service
    distance_km: float | None = None
    open_now: bool | None = None
    domain_match: bool = False
    language_match: bool = False
    score: float = 0.0
    locations: list[Location] = field(default_factory=list)


def _schedules(service: Service) -> list[Schedule]:
    """The hours that apply to a service: its own and its service-at-location rules; a
    location's (building) hours only when the service has none of its own — a Tuesday evening
    group in a building open weekdays 9–5 keeps its own hours."""
    rules = list(service.schedules.all())
    for sal in service.at_locations.all():
        rules.extend(sal.schedules.all())
    if not rules:
        for sal in service.at_locations.all():
            rules.extend(sal.location.schedules.all())
    return rules


def _base() -> QuerySet[Service]:
    return Service.objects.select_related("organization").prefetch_related(
        "languages",
        "domains",
        "schedules",
        Prefetch(
            "at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "schedules", "location__schedules", "location__addresses"
            ),
        ),
    )


def service_terms(services: list[Service]) -> dict[UUID, list[TaxonomyTerm]]:
    found: dict[UUID, list[TaxonomyTerm]] = {}
    for attr in Attribute.objects.filter(
        link_entity="service", link_id__in=[s.pk for s in services]
    ).select_related("taxonomy_term"):
        found.setdefault(attr.link_id, []).append(attr.taxonomy_term)
    return found


def search(
    filters: Filters,
    *,
    tz: ZoneInfo,
    at: dt.datetime | None = None,
    rank_domain: str = "",
    rank_language: str = "",
    limit: int = PAGE_SIZE,
) -> tuple[list[Hit], int]:
    """Services matching every filter, ranked. Returns (hits up to `limit`, total matches)."""
    qs = Service.objects.all()
    if not filters.include_inactive:
        qs = qs.filter(status=Service.Status.ACTIVE)
    for word in fold(filters.words).split()[:8]:
        qs = qs.filter(search_text__contains=word)
    if filters.term:
        term_ids = [
            filters.term,
            *TaxonomyTerm.objects.filter(parent_id=filters.term).values_list("pk", flat=True),
        ]
        qs = qs.filter(
            pk__in=Attribute.objects.filter(
                link_entity="service", taxonomy_term_id__in=term_ids
            ).values("link_id")
        )
    if filters.domain:
        qs = qs.filter(
            pk__in=ServiceDomain.objects.filter(domain=filters.domain).values("service_id")
        )
    if filters.language:
        lang = filters.language.strip()
        qs = qs.filter(Q(languages__code__iexact=lang) | Q(languages__name__iexact=lang)).distinct()
    if filters.capacity:
        qs = qs.filter(capacity__in=filters.capacity)
    if filters.eligibility.strip():
        qs = qs.filter(eligibility_description__icontains=filters.eligibility.strip())
    at = at or timezone.now()
    if filters.open_now:
        parts = hours.open_now_filter_parts(at, tz)
        qs = qs.filter(
            Q(pk__in=Schedule.objects.filter(parts.q()).values("service_id"))
            | Q(
                at_locations__in=ServiceAtLocation.objects.filter(
                    Q(pk__in=Schedule.objects.filter(parts.q()).values("service_at_location_id"))
                    | Q(location__in=Schedule.objects.filter(parts.q()).values("location_id"))
                )
            )
        ).distinct()
    near_ids: dict[UUID, tuple[float, list[Location]]] | None = None
    if filters.near is not None:
        lat, lon = filters.near
        km = min(filters.within_km or 25.0, MAX_KM)
        box = geo.bounding_box(lat, lon, km)
        lon_q = Q()
        for low, high in box.longitude_ranges():
            lon_q |= Q(location__longitude__range=(low, high))
        near_ids = {}
        for sal in ServiceAtLocation.objects.filter(
            lon_q,
            location__latitude__range=(box.min_lat, box.max_lat),
            service__in=qs,
        ).select_related("location"):
            loc = sal.location
            d = geo.haversine_km(lat, lon, loc.latitude, loc.longitude)  # type: ignore[arg-type]
            if d <= km:
                best, locs = near_ids.get(sal.service_id, (d, []))
                near_ids[sal.service_id] = (min(best, d), [*locs, loc])
        qs = qs.filter(pk__in=list(near_ids))
    candidates = list(_base().filter(pk__in=qs.values("pk")))
    hits = []
    for service in candidates:
        hit = Hit(service=service)
        hit.open_now = hours.is_open(_schedules(service), at, tz)
        if filters.open_now and not hit.open_now:
            continue
        if near_ids is not None:
            hit.distance_km, hit.locations = near_ids[service.pk]
        else:
            hit.locations = [sal.location for sal in service.at_locations.all()]
        domains = {d.domain for d in service.domains.all()}
        languages = {(lang.code or "").lower() for lang in service.languages.all()}
        hit.domain_match = bool(rank_domain and rank_domain in domains)
        hit.language_match = bool(rank_language and rank_language.lower() in languages)
        hit.score = (
            (3.0 if hit.domain_match else 0.0)
            + (2.0 if hit.language_match else 0.0)
            + (1.0 if service.capacity == Service.Capacity.CAPACITY else 0.0)
            - (0.5 if service.capacity == Service.Capacity.NO_CAPACITY else 0.0)
            - ((hit.distance_km or 0.0) / 10.0)
        )
        hits.append(hit)
    if rank_domain or rank_language:
        hits.sort(key=lambda h: (-h.score, h.distance_km or 0.0, h.service.name))
    elif near_ids is not None:
        hits.sort(key=lambda h: (h.distance_km or 0.0, h.service.name))
    else:
        hits.sort(key=lambda h: h.service.name.casefold())
    return hits[:limit], len(hits)


def service_page(service_id: UUID) -> Service:
    return _base().prefetch_related("phones", "service_areas").get(pk=service_id)


def service_schedules(service: Service) -> list[Schedule]:
    return _schedules(service)


def rating_summary(service: Service, agency_id: int | None) -> dict[str, Any]:
    """Mean and count across agencies; the comments only from the viewer's own agency (they
    are clients' words and stay with the agency that heard them)."""
    summary = ServiceRating.objects.filter(service=service).aggregate(
        mean=Avg("helpful"), count=Count("id")
    )
    comments: list[tuple[str, int]] = []
    if agency_id is not None:
        comments = list(
            ServiceRating.objects.filter(service=service, agency_id=agency_id)
            .exclude(comment="")
            .order_by("-created_at")
            .values_list("comment", "helpful")[:5]
        )
    return {**summary, "comments": comments}


def saved_for(client: Any) -> list[SavedService]:
    return list(
        SavedService.objects.filter(client=client)
        .select_related("service__organization", "goal")
        .prefetch_related(
            "service__languages",
            "service__phones",
            "service__schedules",
            Prefetch(
                "service__at_locations",
                queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                    "schedules", "location__schedules", "location__addresses"
                ),
            ),
        )
    )


def terms_for_filter() -> list[TaxonomyTerm]:
    """Terms that classify at least one service, for the search filter."""
    used = Attribute.objects.filter(link_entity="service").values("taxonomy_term_id")
    return list(TaxonomyTerm.objects.filter(pk__in=used).order_by("name"))


def languages_for_filter() -> list[tuple[str, str]]:
    from .models import Language

    rows = (
        Language.objects.filter(service__isnull=False)
        .exclude(code="")
        .values_list("code", "name")
        .distinct()
        .order_by("name")
    )
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code.lower(), name or code)
    return sorted(seen.items(), key=lambda kv: kv[1])
