"""The directory in memory: what find help filters and ranks by, read once per process.

A search used to read every candidate from the database on each request — at 10,000 services
near a client's home, ~10,000 rows, their distances, their hours and their words, ~0.5 s of
CPU for one goal. The directory changes seldom (an import, an edit) and is shared by every
agency, so each process keeps, per service, what `selectors.search_page` needs to choose and
order the results: status, capacity, folded words, eligibility, life domains, languages,
taxonomy terms, its sites' coordinates, its weekly hours (read by `hours.read_rule`) and the
counts of its stems for BM25 (`relevance.stem_counts`). The records of the page shown are
still read from the database.

The database stays the source of truth: `DirectoryVersion` holds a random token that every
change to these facts replaces, in the writer's transaction (`changed`: the model signals of
every directory table read here, and the bulk writers through `services.reindex`). Each search
reads the token (one query); the kept index serves only while it was read under that token,
otherwise it is read again (reading the token first, so the facts are at least as new as it).
A rolled-back change leaves the old token, which still describes the data.
"""

from __future__ import annotations

import gc
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from . import geo, hours, relevance
from .models import (
    Attribute,
    DirectoryVersion,
    Language,
    Location,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDomain,
    TaxonomyTerm,
)


@dataclass(slots=True)
class Entry:
    """One service as search and ranking see it."""

    pk: UUID
    name: str
    status: str
    capacity: str
    search_text: str  # folded (core.text.fold), as stored
    eligibility: str  # casefolded
    length: int  # characters of name and description (BM25's document length)
    last: tuple[str, str]  # (casefolded name, id): the tie-break of every ordering
    domains: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # codes and names, casefolded (the filter)
    codes: frozenset[str] = frozenset()  # codes, casefolded (the ranking)
    terms: frozenset[UUID] = frozenset()  # taxonomy terms
    points: tuple[geo.Prepared, ...] = ()  # its sites
    rules: tuple[hours.Rule, ...] = ()  # the weekly hours that apply (`selectors._schedules`)
    hours_id: int = 0  # the same for every entry with the same `rules` (one answer per search)
    stems: dict[str, int] = field(default_factory=dict)  # relevance.stem_counts, text order


@dataclass
class Index:
    token: str
    entries: list[Entry]
    children: dict[UUID, list[UUID]]  # taxonomy term -> its child terms
    postings: dict[str, list[int]]  # stem -> positions in `entries` of services with it


def read(token: str = "") -> Index:
    """Every service's facts, from the database (seven queries), as of `token` (read before)."""
    services = Service.objects.values_list(
        "pk", "name", "description", "status", "capacity", "search_text", "eligibility_description"
    )
    entries: list[Entry] = []
    descriptions: list[str] = []
    at: dict[UUID, int] = {}
    for pk, name, description, status, capacity, text, eligibility in services.iterator(2000):
        at[pk] = len(entries)
        entries.append(
            Entry(
                pk=pk,
                name=name,
                status=status,
                capacity=capacity,
                search_text=text,
                eligibility=eligibility.casefold(),
                length=len(name) + len(description),
                last=(name.casefold(), str(pk)),
            )
        )
        descriptions.append(description)
    domains: dict[int, set[str]] = {}
    for service_id, domain in ServiceDomain.objects.values_list("service_id", "domain"):
        if service_id in at:
            domains.setdefault(at[service_id], set()).add(domain)
    languages: dict[int, set[str]] = {}
    codes: dict[int, set[str]] = {}
    for service_id, code, name in Language.objects.filter(service__isnull=False).values_list(
        "service_id", "code", "name"
    ):
        if service_id in at:
            languages.setdefault(at[service_id], set()).update({code.casefold(), name.casefold()})
            codes.setdefault(at[service_id], set()).add(code.casefold())
    terms: dict[int, set[UUID]] = {}
    term_names: dict[int, list[str]] = {}
    for link_id, term_id, term_name in Attribute.objects.filter(link_entity="service").values_list(
        "link_id", "taxonomy_term_id", "taxonomy_term__name"
    ):
        if link_id in at:
            terms.setdefault(at[link_id], set()).add(term_id)
            term_names.setdefault(at[link_id], []).append(term_name)
    children: dict[UUID, list[UUID]] = {}
    for pk, parent_id in TaxonomyTerm.objects.filter(parent__isnull=False).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    points: dict[int, list[geo.Prepared]] = {}
    sites: dict[UUID, int] = {}  # service at location -> its service
    at_location: dict[UUID, list[int]] = {}  # location -> its services
    for sal_id, service_id, location_id, lat, lon in ServiceAtLocation.objects.values_list(
        "pk", "service_id", "location_id", "location__latitude", "location__longitude"
    ):
        if service_id not in at:
            continue
        sites[sal_id] = at[service_id]
        at_location.setdefault(location_id, []).append(at[service_id])
        if lat is not None and lon is not None:
            points.setdefault(at[service_id], []).append(
                geo.prepare(*geo.validate_coordinates(lat, lon))
            )
    own: dict[int, list[hours.Rule | None]] = {}  # the service's and its sites' rules
    building: dict[int, list[hours.Rule | None]] = {}  # its locations' rules
    for row in Schedule.objects.values(
        "service_id",
        "service_at_location_id",
        "location_id",
        "freq",
        "byday",
        "opens_at",
        "closes_at",
        "valid_from",
        "valid_to",
    ):
        rule = hours.read_rule(row)
        if row["service_id"] in at:
            own.setdefault(at[row["service_id"]], []).append(rule)
        if row["service_at_location_id"] in sites:
            own.setdefault(sites[row["service_at_location_id"]], []).append(rule)
        for position in at_location.get(row["location_id"], []) if row["location_id"] else []:
            building.setdefault(position, []).append(rule)
    postings: dict[str, list[int]] = {}
    hours_ids: dict[tuple[hours.Rule, ...], int] = {}
    for position, entry in enumerate(entries):
        entry.domains = frozenset(domains.get(position, ()))
        entry.languages = frozenset(languages.get(position, ()))
        entry.codes = frozenset(codes.get(position, ()))
        entry.terms = frozenset(terms.get(position, ()))
        entry.points = tuple(points.get(position, ()))
        # A location's (building) hours only when the service has none of its own.
        rules = own[position] if position in own else building.get(position, [])
        entry.rules = tuple(rule for rule in rules if rule is not None)
        entry.hours_id = hours_ids.setdefault(entry.rules, len(hours_ids))
        entry.stems = dict(
            relevance.stem_counts(
                relevance.Document(
                    name=entry.name,
                    terms=" ".join(term_names.get(position, [])),
                    text=descriptions[position],
                )
            )
        )
        for stem in entry.stems:
            postings.setdefault(stem, []).append(position)
    return Index(token=token, entries=entries, children=children, postings=postings)


_lock = threading.Lock()
_kept: Index | None = None


def current() -> Index:
    """The index for the directory as it is now: the kept one while its token is current,
    else read again (and kept, when there is a token)."""
    global _kept
    token = _token()
    kept = _kept
    if kept is not None and token and kept.token == token:
        return kept
    with _lock:
        kept = _kept
        if kept is not None and token and kept.token == token:
            return kept
        index = read(token or "")
        if index.token:
            _kept = index
            # Tens of thousands of long-lived objects: leave them out of the cyclic garbage
            # collector's full passes, which would otherwise walk them during later requests.
            # Refcounting still frees whatever is dropped (the old index included); cyclic
            # garbage frozen with the index the time before is collected now, before the
            # next freeze (once per change of the directory).
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        return index


def forget() -> None:
    """Drop the kept index (tests; the next search reads the directory again)."""
    global _kept
    _kept = None


def _token() -> str | None:
    return DirectoryVersion.objects.filter(pk=1).values_list("token", flat=True).first()


def changed(**_signal: Any) -> None:
    """The directory's facts are changing in this transaction: give it a new token (a model
    signal's receiver too, hence the keyword arguments)."""
    token = uuid.uuid4().hex
    if not DirectoryVersion.objects.filter(pk=1).update(token=token):
        DirectoryVersion.objects.bulk_create(
            [DirectoryVersion(pk=1, token=token)], ignore_conflicts=True
        )


# The tables `read` reads: a save or delete of a row of one gives the directory a new token.
SOURCES = (
    Attribute,
    Language,
    Location,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDomain,
    TaxonomyTerm,
)


def counts_for(
    index: Index, candidates: dict[int, Any], wanted: dict[str, float]
) -> dict[int, dict[str, int]]:
    """Each of the candidates (positions in `index.entries`) with any stem of `wanted`: its
    counts of those stems, in the order of its text (as `relevance.bm25` counts them)."""
    positions: set[int] = set()
    for stem in wanted:
        positions.update(p for p in index.postings.get(stem, ()) if p in candidates)
    found: dict[int, dict[str, int]] = {}
    for position in sorted(positions):
        stems = index.entries[position].stems
        found[position] = {t: tf for t, tf in stems.items() if t in wanted}
    return found
