"""The directory in memory: what find help filters and ranks by, read once per process.

A search used to read every candidate from the database on each request — at 10,000 services
near a client's home, ~10,000 rows, their distances, their hours and their words, ~0.5 s of
CPU for one goal. The directory changes seldom (an import, an edit) and is shared by every
agency, so each process keeps, per service, what `selectors.search_page` needs to choose and
order the results: status, capacity, folded words, eligibility, life domains, languages,
taxonomy terms, its sites' coordinates, its weekly hours (read by `hours.read_rule`) and the
counts of its stems for BM25 (`relevance.stem_counts`). What every search filters and orders
by is also kept as columns (`Columns`: numpy arrays, one element per service), so that a search
over ten thousand services is a few array operations rather than a Python loop over each. The
records of the page shown are still read from the database.

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
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import numpy as np
import numpy.typing as npt

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
    rules: tuple[hours.Rule, ...] = ()  # the weekly hours that apply (`selectors._schedules`)
    hours_id: int = 0  # the same for every entry with the same `rules` (one answer per search)
    stems: dict[str, int] = field(default_factory=dict)  # relevance.stem_counts, text order


Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class Columns:
    """What searches filter and order by, one array element per entry (same positions)."""

    active: Mask
    length: Ints  # Entry.length
    hours_id: Ints  # Entry.hours_id
    rules: list[tuple[hours.Rule, ...]]  # by hours id
    name_rank: Ints  # the entry's place when every entry is ordered by `last`
    lasts: list[tuple[str, str]]  # every entry's `last`, in that order (for `rank_of`)
    capacities: dict[str, Mask]  # capacity value -> which entries have it
    domains: dict[str, Mask]
    languages: dict[str, Mask]  # code or name, casefolded (the filter)
    codes: dict[str, Mask]  # code, casefolded (the ranking)
    # The sites, one element each: whose (position of the entry) and where.
    site_of: Ints
    latitude: Floats  # degrees
    longitude: Floats
    phi: Floats  # radians (`geo.Prepared`)
    lam: Floats
    cos_phi: Floats

    def none(self) -> Mask:
        return np.zeros(len(self.active), dtype=np.bool_)

    def rank_of(self, last: tuple[str, str]) -> tuple[int, bool]:
        """Where `last` falls in the order of the entries, and whether an entry has it."""
        rank = bisect_left(self.lasts, last)
        return rank, rank < len(self.lasts) and self.lasts[rank] == last


@dataclass
class Index:
    token: str
    entries: list[Entry]
    children: dict[UUID, list[UUID]]  # taxonomy term -> its child terms
    postings: dict[str, Ints]  # stem -> positions in `entries` of services with it, ascending
    columns: Columns
    # The search form's choices: taxonomy terms of any service as (id, name), and the
    # services' languages as distinct (code, name), both by name.
    used_terms: list[tuple[str, str]] = field(default_factory=list)
    spoken: list[tuple[str, str]] = field(default_factory=list)


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
    spoken: set[tuple[str, str]] = set()
    for service_id, code, name in Language.objects.filter(service__isnull=False).values_list(
        "service_id", "code", "name"
    ):
        if code:
            spoken.add((code, name))
        if service_id in at:
            languages.setdefault(at[service_id], set()).update({code.casefold(), name.casefold()})
            codes.setdefault(at[service_id], set()).add(code.casefold())
    terms: dict[int, set[UUID]] = {}
    term_names: dict[int, list[str]] = {}
    used_terms: dict[str, str] = {}
    for link_id, term_id, term_name in Attribute.objects.filter(link_entity="service").values_list(
        "link_id", "taxonomy_term_id", "taxonomy_term__name"
    ):
        used_terms[str(term_id)] = term_name
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
    return Index(
        token=token,
        entries=entries,
        children=children,
        postings={stem: np.array(found, dtype=np.int64) for stem, found in postings.items()},
        columns=_columns(entries, points, list(hours_ids)),
        used_terms=sorted(used_terms.items(), key=lambda term: (term[1], term[0])),
        spoken=sorted(spoken, key=lambda language: (language[1], language[0])),
    )


def _columns(
    entries: list[Entry],
    points: dict[int, list[geo.Prepared]],
    rules: list[tuple[hours.Rule, ...]],
) -> Columns:
    n = len(entries)
    active = str(Service.Status.ACTIVE)

    def masks(values: dict[str, list[int]]) -> dict[str, Mask]:
        found = {}
        for value, positions in values.items():
            mask = np.zeros(n, dtype=np.bool_)
            mask[positions] = True
            found[value] = mask
        return found

    def grouped(facts: list[Any]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for position, values in enumerate(facts):
            for value in values:
                found.setdefault(value, []).append(position)
        return found

    order = sorted(range(n), key=lambda position: entries[position].last)
    name_rank = np.empty(n, dtype=np.int64)
    name_rank[order] = np.arange(n, dtype=np.int64)
    sites = [(position, point) for position in sorted(points) for point in points[position]]
    return Columns(
        active=np.array([e.status == active for e in entries], dtype=np.bool_),
        length=np.array([e.length for e in entries], dtype=np.int64),
        hours_id=np.array([e.hours_id for e in entries], dtype=np.int64),
        rules=rules,
        name_rank=name_rank,
        lasts=[entries[position].last for position in order],
        capacities=masks(grouped([(e.capacity,) for e in entries])),
        domains=masks(grouped([e.domains for e in entries])),
        languages=masks(grouped([e.languages for e in entries])),
        codes=masks(grouped([e.codes for e in entries])),
        site_of=np.array([position for position, _ in sites], dtype=np.int64),
        latitude=np.array([p.latitude for _, p in sites], dtype=np.float64),
        longitude=np.array([p.longitude for _, p in sites], dtype=np.float64),
        phi=np.array([p.phi for _, p in sites], dtype=np.float64),
        lam=np.array([p.lam for _, p in sites], dtype=np.float64),
        cos_phi=np.array([p.cos_phi for _, p in sites], dtype=np.float64),
    )


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
    index: Index, candidates: Mask, wanted: dict[str, float]
) -> dict[int, dict[str, int]]:
    """Each of the candidates (True at their positions in `index.entries`) with any stem of
    `wanted`: its counts of those stems, in the order of its text (as `relevance.bm25` counts
    them)."""
    having = [index.postings[stem] for stem in wanted if stem in index.postings]
    if not having:
        return {}
    positions = np.unique(np.concatenate(having))
    found: dict[int, dict[str, int]] = {}
    for position in positions[candidates[positions]].tolist():
        stems = index.entries[position].stems
        found[position] = {t: tf for t, tf in stems.items() if t in wanted}
    return found
