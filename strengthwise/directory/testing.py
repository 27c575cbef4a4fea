"""Small directory records for tests (services with a location, hours and languages)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from .models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDomain,
    TaxonomyTerm,
)
from .services import reindex


def make_service(
    name: str,
    *,
    organization: Organization | None = None,
    org_name: str = "",
    term: str = "",
    domains: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("en",),
    at: tuple[float, float] | None = (38.627, -90.199),
    hours: tuple[tuple[str, str, str], ...] = (("MO,TU,WE,TH,FR", "09:00", "17:00"),),
    capacity: str = "capacity",
    **fields: Any,
) -> Service:
    org = organization or Organization.objects.create(
        name=org_name or f"{name} organisation", description="Test organisation"
    )
    service = Service.objects.create(
        name=name, organization=org, capacity=capacity, description=f"{name} for tests", **fields
    )
    if at is not None:
        location = Location.objects.create(
            organization=org, name=f"{name} place", latitude=at[0], longitude=at[1]
        )
        ServiceAtLocation.objects.create(service=service, location=location)
        Address.objects.create(
            location=location,
            address_1="1 Test Street",
            city="River City",
            state_province="MO",
            postal_code="63101",
        )
    for byday, opens, closes in hours:
        Schedule.objects.create(
            service=service,
            byday=byday,
            opens_at=dt.time.fromisoformat(opens),
            closes_at=dt.time.fromisoformat(closes),
        )
    for code in languages:
        Language.objects.create(service=service, code=code, name=code)
    for domain in domains:
        ServiceDomain.objects.create(service=service, domain=domain)
    if term:
        found = TaxonomyTerm.objects.filter(name=term).first() or TaxonomyTerm.objects.create(
            id=uuid.uuid4(), name=term, description=term
        )
        Attribute.objects.create(taxonomy_term=found, link_entity="service", link_id=service.pk)
    reindex([service.pk])
    service.refresh_from_db()
    return service
