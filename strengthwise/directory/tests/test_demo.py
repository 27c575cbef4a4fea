"""The demo directory loads quickly, is complete enough to search, tells the personas' stories,
and loads only once."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Q

from strengthwise.directory import demo
from strengthwise.directory.geo import haversine_km, validate_coordinates
from strengthwise.directory.hours import is_open
from strengthwise.directory.models import (
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDomain,
    Taxonomy,
    TaxonomyTerm,
)
from strengthwise.people.models import Client

LIFE_DOMAINS = {
    "daily_living",
    "financial",
    "vocational_education",
    "social_supports",
    "health",
    "leisure",
    "spirituality_culture",
}
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def directory(db):
    started = time.perf_counter()
    result = demo.load()
    result["seconds"] = time.perf_counter() - started
    return result


def _services_in(term_name: str):
    ids = Attribute.objects.filter(
        link_entity="service", taxonomy_term__name=term_name
    ).values_list("link_id", flat=True)
    return Service.objects.filter(pk__in=ids)


def test_loads_a_city_sized_directory_fast(directory):
    assert directory["created"] is True
    assert directory["seconds"] < 5
    assert 35 <= directory["organizations"] <= 50
    assert directory["services"] >= 300
    assert Service.objects.count() == directory["services"]
    # Every category of the brief has services, and a few are temporarily closed.
    for term in TaxonomyTerm.objects.filter(taxonomy__name=demo.TAXONOMY_NAME):
        assert _services_in(term.name).exists(), term.name
    closed = Service.objects.filter(status=Service.Status.TEMPORARILY_CLOSED).count()
    assert 1 <= closed <= 30
    capacities = set(Service.objects.values_list("capacity", flat=True))
    assert capacities == set(Service.Capacity.values)
    assert set(ServiceDomain.objects.values_list("domain", flat=True)) == LIFE_DOMAINS
    # search_text was filled by reindex().
    assert not Service.objects.filter(search_text="").exists()


def test_every_service_has_a_located_place_a_schedule_and_a_language(directory):
    services = Service.objects.annotate(
        n_locations=Count("at_locations", distinct=True),
        n_schedules=Count("schedules", distinct=True),
        n_languages=Count("languages", distinct=True),
        n_phones=Count("phones", distinct=True),
        n_domains=Count("domains", distinct=True),
    )
    for service in services:
        assert service.n_locations >= 1, service.name
        assert service.n_schedules >= 1, service.name
        assert service.n_languages >= 1, service.name
        assert service.n_phones >= 1, service.name
        assert service.n_domains >= 1, service.name
        assert service.organization_id is not None
        assert service.description and service.eligibility_description
        assert service.fees_description
    centre = demo.CENTRE
    for location in Location.objects.prefetch_related("addresses"):
        lat, lon = validate_coordinates(location.latitude, location.longitude)
        assert haversine_km(*centre, lat, lon) <= 15, location.name
        assert location.addresses.count() == 1
    # Only fictional numbers.
    for number in Phone.objects.values_list("number", flat=True):
        assert number.startswith("(618) 555-01"), number
    # ISO 639 codes for the city's languages.
    codes = set(Language.objects.values_list("code", flat=True))
    assert {"en", "es", "vi", "so", "ar"} <= codes


def test_hours_include_evenings_weekends_and_an_overnight_shelter(directory):
    assert Schedule.objects.filter(opens_at__gte=dt.time(17, 0)).exists()
    assert Schedule.objects.filter(byday__contains="SA").exists()
    assert Schedule.objects.filter(valid_from__isnull=False, valid_to__isnull=False).exists()
    shelters = _services_in("Shelter").filter(
        status=Service.Status.ACTIVE, schedules__closes_at__lte=dt.time(8, 0)
    )
    # Some active shelter is open at 3 am on a Saturday night (past midnight or 24 hours).
    saturday_3am = dt.datetime(2026, 3, 7, 3, 0, tzinfo=CHICAGO)
    assert any(is_open(s.schedules.all(), saturday_3am, CHICAGO) for s in shelters.distinct())


def test_a_spanish_evening_money_workshop_with_seats_for_dana(directory):
    workshops = (
        _services_in("Financial literacy")
        .filter(status=Service.Status.ACTIVE)
        .filter(Q(name__icontains="workshop") | Q(description__icontains="workshop"))
    )
    assert workshops.distinct().count() >= 5
    for_dana = workshops.filter(
        languages__code="es",
        capacity=Service.Capacity.CAPACITY,
        schedules__opens_at__gte=dt.time(17),
    ).distinct()
    assert for_dana.exists()
    money_matters = for_dana.get(name__startswith="Money Matters")
    assert set(money_matters.languages.values_list("code", flat=True)) >= {"en", "es"}
    assert money_matters.domains.filter(domain="financial").exists()
    # The other stories of PERSONAS.md are findable too.
    for name in [
        "River City Rapid Re-housing",
        "Record sealing and expungement clinic",
        "Tuesday night recovery meeting",
        "Medical assistant certificate (evening)",
        "Evening childcare for student parents",
    ]:
        assert Service.objects.filter(name=name, status=Service.Status.ACTIVE).exists(), name
    assert Service.objects.filter(search_text__contains="expungement").exists()


def test_ids_are_deterministic(directory):
    org = Organization.objects.get(name="Common Ground Financial Empowerment Center")
    assert org.pk == demo._uid("org", "common-ground")
    service = Service.objects.get(name__startswith="Money Matters")
    assert service.pk == demo._uid("service", "common-ground", "money-matters-evening")


def test_a_fresh_load_gives_the_same_directory(directory):
    def snapshot():
        return sorted(
            Service.objects.values_list(
                "id", "name", "capacity", "status", "organization_id", "search_text"
            )
        ), sorted(Schedule.objects.values_list("id", "byday", "opens_at", "closes_at"))

    first = snapshot()
    Organization.objects.all().delete()  # cascades to services, locations, schedules…
    TaxonomyTerm.objects.all().delete()
    Taxonomy.objects.all().delete()
    assert demo.load()["created"] is True
    assert snapshot() == first


def test_running_twice_does_not_duplicate(directory):
    counts = {
        model: model.objects.count()
        for model in (Organization, Service, Location, Schedule, Language, Attribute)
    }
    counts[ServiceAtLocation] = ServiceAtLocation.objects.count()
    again = demo.load()
    assert again["created"] is False
    for model, count in counts.items():
        assert model.objects.count() == count, model.__name__


def test_places_the_demo_clients_in_the_city(personas):
    keisha = personas.carol_client  # a confidential address stays off the map
    result = demo.load()
    assert result["client_homes_placed"] >= 2
    dana = Client.objects.get(pk=personas.dana.pk)
    rosa = Client.objects.get(pk=personas.rosa.pk)
    for client in (dana, rosa):
        lat, lon = validate_coordinates(client.home_latitude, client.home_longitude)
        assert haversine_km(*demo.CENTRE, lat, lon) <= 15
    assert Client.objects.get(pk=keisha.pk).home_latitude is None
    # A home set by hand is kept.
    Client.objects.filter(pk=dana.pk).update(home_latitude=38.6, home_longitude=-90.2)
    assert demo.load()["client_homes_placed"] == 0
    assert Client.objects.get(pk=dana.pk).home_latitude == 38.6
