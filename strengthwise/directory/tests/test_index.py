"""Find help over the directory kept in memory (directory/index.py): the same results as a
plain reading of the rules over the database rows, and never a result from an old directory."""

from __future__ import annotations

import datetime as dt
import math
import random
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from strengthwise.core.text import fold
from strengthwise.directory import demo, geo, hours, index, relevance, selectors
from strengthwise.directory.models import (
    Attribute,
    DirectoryVersion,
    Language,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDomain,
    TaxonomyTerm,
)
from strengthwise.directory.services import reindex
from strengthwise.directory.testing import make_service

CHICAGO = ZoneInfo("America/Chicago")
HOME = (38.627, -90.199)
GOALS = [
    ("Move into an apartment Jayden and I can stay in", "daily_living"),
    ("Get groceries for the kids every week", "daily_living"),
    ("Talk to someone about my anxiety", "health"),
    ("Aprender a manejar mi dinero", "financial"),
    ("", "vocational_education"),
]
CAPACITY_ORDER = {"capacity": 0, "no-capacity": 2}


@pytest.fixture
def directory(personas):
    demo.load()
    return personas


def _reference(filters, *, at, rank_domain="", rank_language="", rank_words=""):
    """Every matching service id in order, read the plain way: each service from the
    database with its relations, each rule as the docstring of `search_page` states it."""
    stems = relevance.query_terms(rank_words) if rank_words else {}
    ranked = bool(rank_domain or rank_language or stems)
    children = set(TaxonomyTerm.objects.filter(parent_id=filters.term).values_list("pk", flat=True))
    wanted_terms = {filters.term, *children} if filters.term else set()
    rows = []
    services = Service.objects.prefetch_related(
        "languages",
        "domains",
        "schedules",
        "at_locations__location__schedules",
        "at_locations__schedules",
    )
    for service in services:
        if not filters.include_inactive and service.status != "active":
            continue
        words = fold(filters.words).split()[:8]
        if not all(word in service.search_text for word in words):
            continue
        terms = set(
            Attribute.objects.filter(link_entity="service", link_id=service.pk).values_list(
                "taxonomy_term_id", flat=True
            )
        )
        if wanted_terms and not terms & wanted_terms:
            continue
        domains = {d.domain for d in service.domains.all()}
        if filters.domain and filters.domain not in domains:
            continue
        spoken = [lang for lang in service.languages.all()]
        lang = filters.language.strip().casefold()
        if lang and not any(lang in (x.code.casefold(), x.name.casefold()) for x in spoken):
            continue
        if filters.capacity and service.capacity not in filters.capacity:
            continue
        needle = filters.eligibility.strip().casefold()
        if needle and needle not in service.eligibility_description.casefold():
            continue
        distance = None
        if filters.near is not None:
            km = min(filters.within_km or 25.0, selectors.MAX_KM)
            found = [
                geo.haversine_km(*filters.near, sal.location.latitude, sal.location.longitude)
                for sal in service.at_locations.all()
                if sal.location.latitude is not None and sal.location.longitude is not None
            ]
            distance = min((d for d in found if d <= km), default=None)
            if distance is None:
                continue
        is_open = hours.is_open(selectors._schedules(service), at, CHICAGO)
        if filters.open_now and not is_open:
            continue
        rows.append((service, distance, is_open, domains, {x.code.casefold() for x in spoken}))
    fit: dict[object, float] = {}
    if stems:
        docs = {
            s.pk: relevance.Document(
                name=s.name,
                terms=" ".join(
                    Attribute.objects.filter(link_entity="service", link_id=s.pk).values_list(
                        "taxonomy_term__name", flat=True
                    )
                ),
                text=s.description,
            )
            for s, *_ in rows
        }
        lengths = {s.pk: float(len(s.name) + len(s.description)) for s, *_ in rows}
        scores = relevance.bm25(
            stems,
            docs,
            total_docs=len(rows),
            lengths=lengths,
            average_length=sum(lengths.values()) / len(lengths) if lengths else 1.0,
        )
        best = max(scores.values(), default=0.0)
        fit = {pk: value / best for pk, value in scores.items()} if best else {}

    def key(row):
        service, distance, is_open, domains, codes = row
        last = (service.name.casefold(), str(service.pk))
        if ranked:
            return (
                -round(fit.get(service.pk, 0.0), 1),
                0 if rank_domain and rank_domain in domains else 1,
                0 if rank_language and rank_language.casefold() in codes else 1,
                round(distance or 0.0),
                0 if is_open else 1,
                CAPACITY_ORDER.get(service.capacity, 1),
                *last,
            )
        if distance is not None:
            return (round(distance, 6), *last)
        return last

    return [row[0].pk for row in sorted(rows, key=key)]


def _all_pages(filters, **ranking):
    ids, cursor, total = [], "", None
    while True:
        page = selectors.search_page(filters, tz=CHICAGO, cursor=cursor, limit=7, **ranking)
        total = page.total if total is None else total
        assert page.total == total and page.first == len(ids) + 1
        ids += [hit.service.pk for hit in page.hits]
        cursor = page.next_cursor
        if not cursor:
            return ids, total


def test_every_search_gives_what_the_plain_reading_of_the_rules_gives(directory):
    rng = random.Random(11)
    terms = list(TaxonomyTerm.objects.values_list("pk", flat=True))
    make_service("Closed for now", status="inactive", domains=("health",))
    make_service("Nowhere in particular", at=None, languages=("es",), capacity="no-capacity")
    for trial in range(40):
        at = dt.datetime(2026, 11, 30, tzinfo=CHICAGO) + dt.timedelta(
            minutes=rng.randrange(7 * 24 * 60)
        )
        filters = selectors.Filters(
            words=rng.choice(["", "", "food", "budget class", "help"]),
            term=rng.choice([None, None, *terms[:5]]),
            domain=rng.choice(["", "", "health", "financial"]),
            language=rng.choice(["", "", "es", "Spanish", "SO"]),
            open_now=rng.random() < 0.3,
            capacity=rng.choice([[], [], ["capacity"], ["waitlist", "no-capacity"]]),
            eligibility=rng.choice(["", "", "adult", "18"]),
            near=rng.choice([None, HOME, (38.7, -90.3)]),
            within_km=rng.choice([None, 1.0, 2.0, 3.5, 5.0, 10.0, 300.0]),
            include_inactive=rng.random() < 0.2,
        )
        statement, domain = rng.choice(GOALS)
        ranking = rng.choice(
            [{}, {"rank_words": statement, "rank_domain": domain, "rank_language": "es"}]
        )
        ids, total = _all_pages(filters, at=at, **ranking)
        expected = _reference(filters, at=at, **ranking)
        assert ids == expected, (trial, filters, ranking)
        assert total == len(expected)


def _names(**filters) -> list[str]:
    hits, _total = selectors.search(
        selectors.Filters(**filters), tz=CHICAGO, at=dt.datetime(2026, 12, 1, 10, tzinfo=CHICAGO)
    )
    return [hit.service.name for hit in hits]


def test_a_change_gives_a_new_token_and_the_next_search_sees_it(directory):
    service = make_service("Tenant rights clinic", term="Food", languages=("en",))
    assert "Tenant rights clinic" in _names(words="tenant")
    kept = index.current()
    tokens = {kept.token}

    def changed() -> bool:
        token = DirectoryVersion.objects.get(pk=1).token
        fresh = token not in tokens
        tokens.add(token)
        return fresh

    # Each table the index reads, through a model save or delete, and the bulk writers.
    Language.objects.create(service=service, code="so", name="Somali")
    assert changed() and "Tenant rights clinic" in _names(language="so", words="tenant")
    ServiceDomain.objects.create(service=service, domain="legal")
    assert changed() and "Tenant rights clinic" in _names(domain="legal", words="tenant")
    site = ServiceAtLocation.objects.get(service=service)
    Schedule.objects.filter(service=service).delete()
    assert changed()
    Schedule.objects.create(
        service_at_location=site, byday="SU", opens_at="10:00", closes_at="11:00"
    )
    assert changed()
    assert "Tenant rights clinic" not in _names(open_now=True, words="tenant")  # Tuesday 10:00
    site.location.latitude = 10.0
    site.location.save()
    assert changed() and "Tenant rights clinic" not in _names(near=HOME, words="tenant")
    site.delete()
    assert changed()
    Attribute.objects.filter(link_entity="service", link_id=service.pk).delete()
    assert changed()
    Service.objects.filter(pk=service.pk).update(name="Renters' rights clinic")
    assert not changed()  # a QuerySet.update() sends no signal: writers call reindex
    reindex([service.pk])
    assert changed() and "Renters' rights clinic" in _names(words="renters")
    service.status = "inactive"
    service.save()
    assert changed() and "Renters' rights clinic" not in _names(words="renters")


def test_a_rolled_back_change_keeps_the_token_it_had(directory):
    before = DirectoryVersion.objects.get(pk=1).token
    with pytest.raises(RuntimeError), transaction.atomic():
        make_service("Never saved")
        assert DirectoryVersion.objects.get(pk=1).token != before
        raise RuntimeError
    assert DirectoryVersion.objects.get(pk=1).token == before
    assert "Never saved" not in _names(words="never saved")


def test_the_kept_index_is_read_once_per_token(directory, django_assert_num_queries):
    index.current()
    with django_assert_num_queries(1):  # the token
        index.current()
    make_service("One more")
    with django_assert_num_queries(1 + 7):  # the token, then the directory again
        assert any(entry.name == "One more" for entry in index.current().entries)
    with django_assert_num_queries(1):
        index.current()


def test_without_a_token_nothing_is_kept(directory, django_assert_num_queries):
    DirectoryVersion.objects.all().delete()
    index.forget()
    with django_assert_num_queries(1 + 7):
        index.current()
    with django_assert_num_queries(1 + 7):
        index.current()


def test_distances_are_the_haversine_formulas(directory):
    """The columns' distances (numpy, every site at once) are the scalar formula's, to well
    under a millimetre (numpy's sine may differ from the C library's in the last bit)."""
    origin = geo.prepare(*HOME)
    columns = index.current().columns
    assert len(columns.site_of) > 10
    many = geo.prepared_haversine_km_many(origin, columns.phi, columns.lam, columns.cos_phi)
    for at, km in enumerate(many.tolist()):
        one = geo.haversine_km(*HOME, columns.latitude[at], columns.longitude[at])
        assert one == geo.prepared_haversine_km(
            origin, geo.prepare(float(columns.latitude[at]), float(columns.longitude[at]))
        )
        assert math.isclose(km, one, rel_tol=1e-12, abs_tol=1e-9)
