"""Reads for the directory: the find-help search and a service's page.

Search filters and ranks over the directory kept in memory (`index.py`: per service its
status, capacity, folded words, eligibility, life domains, languages, taxonomy terms, sites
and weekly hours, and the stems of its words), read again whenever the directory's token
changes: words against the folded `search_text`, taxonomy terms (with their children), life
domains, languages, capacity, eligibility; "near" is the bounding box, then the exact
(haversine) distance to each site in the box; "open now" is `hours.open_at` on the service's
rules. Finding help for a goal also reads the goal's words (`relevance.py`: BM25 over names,
descriptions and taxonomy terms, the same on both databases). Results page with a keyset
cursor; the records of one page are read from the database, so a page costs a constant
number of queries whatever the size of the directory."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
from django.apps import apps
from django.core import signing
from django.db.models import (
    Avg,
    Count,
    Prefetch,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.access import (
    access_client,
    access_client_object,
    client_scope_q,
    reads_deidentified,
)
from strengthwise.audit.services import audit_record
from strengthwise.core.errors import DomainError
from strengthwise.core.text import fold
from strengthwise.core.validation import is_uuid
from strengthwise.plans.models import Goal

from . import geo, hours, relevance
from . import index as directory_index
from .labels import language_label
from .models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    SavedService,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceRating,
    TaxonomyTerm,
)
from .services import SERVICE_FIELDS

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
    """A service found, with what its card shows read in bulk for the whole page: read these
    lists, not the service's related managers (each of those would be a query)."""

    service: Service
    distance_km: float | None = None
    open_now: bool | None = None
    domain_match: bool = False
    language_match: bool = False
    score: float = 0.0
    locations: list[Location] = field(default_factory=list)  # the nearest first, near a point
    relevance: float = 0.0  # how well the goal's words match, as a share of the best match
    languages: list[Language] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    addresses: dict[UUID, list[Address]] = field(default_factory=dict)  # by location id


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


def _results_base() -> QuerySet[Service]:
    """What a result shows of a service (its hours come from the index), into lists
    (`to_attr`): Django builds no queryset per service and relation then, which cost half of
    a page of results (25 services: 35 → 18 ms)."""
    return Service.objects.select_related("organization").prefetch_related(
        Prefetch("languages", to_attr="language_list"),
        Prefetch("domains", to_attr="domain_list"),
        Prefetch(
            "at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                Prefetch("location__addresses", to_attr="address_list")
            ),
            to_attr="at_location_list",
        ),
    )


def service_terms(services: list[Service]) -> dict[UUID, list[TaxonomyTerm]]:
    found: dict[UUID, list[TaxonomyTerm]] = {}
    for attr in Attribute.objects.filter(
        link_entity="service", link_id__in=[s.pk for s in services]
    ).select_related("taxonomy_term"):
        found.setdefault(attr.link_id, []).append(attr.taxonomy_term)
    return found


class InvalidCursor(DomainError):
    """A paging cursor that this search did not give out (tampered, or for other filters)."""


@dataclass
class ResultPage:
    hits: list[Hit]
    total: int  # every match, on all pages
    next_cursor: str  # "" on the last page
    first: int = 1  # the position of hits[0] in the whole ranking


_CURSOR_SALT = "strengthwise.directory.search"
# Capacity as a tie-breaker: open seats first, then the rest, then none.
_HAS_CAPACITY = str(Service.Capacity.CAPACITY)
_NO_CAPACITY = str(Service.Capacity.NO_CAPACITY)
_KM_STEPS = int(MAX_KM) + 1  # whole km, 0..MAX_KM (the ranking's distance)


def search(
    filters: Filters,
    *,
    tz: ZoneInfo,
    at: dt.datetime | None = None,
    rank_domain: str = "",
    rank_language: str = "",
    rank_words: str = "",
    limit: int = PAGE_SIZE,
) -> tuple[list[Hit], int]:
    """The first page of `search_page`: (hits up to `limit`, total matches)."""
    page = search_page(
        filters,
        tz=tz,
        at=at,
        rank_domain=rank_domain,
        rank_language=rank_language,
        rank_words=rank_words,
        limit=limit,
    )
    return page.hits, page.total


def search_page(
    filters: Filters,
    *,
    tz: ZoneInfo,
    at: dt.datetime | None = None,
    rank_domain: str = "",
    rank_language: str = "",
    rank_words: str = "",
    limit: int = PAGE_SIZE,
    cursor: str = "",
) -> ResultPage:
    """Services matching every filter, ranked, one page at a time.

    Ranking with a goal (`rank_words`: its statement; `rank_domain`: its life domain;
    `rank_language`: the client's language): first how well the goal's words match the
    service's name, description and taxonomy terms (`relevance.bm25`, in steps of a tenth of
    the best match), then the domain, the language, the distance (whole km), open now (its hours
    at `at`, `hours.open_at`) and capacity. Without ranking: by distance when searching near a
    point, else by name. Every ordering ends with name and id, so it is total and stable.

    Keyset paging: `cursor` is the `next_cursor` of the previous page (the sort key of its last
    row, signed); the next page starts after that key. Raises InvalidCursor for a cursor this
    search did not give out."""
    index = directory_index.current()
    columns = index.columns
    n = len(index.entries)
    at = at or timezone.now()
    today, now = hours.local_clock(at, tz)  # (checks that `at` is aware)
    stems = relevance.query_terms(rank_words) if rank_words else {}
    ranked = bool(rank_domain or rank_language or stems)
    near = filters.near
    km = min(filters.within_km or 25.0, MAX_KM)
    origin = geo.prepare(*geo.validate_coordinates(*near)) if near is not None else None
    open_by_hours: dict[int, bool] = {}  # services with the same hours: one answer

    def is_open(hours_id: int) -> bool:
        if hours_id not in open_by_hours:
            rules = columns.rules[hours_id]
            open_by_hours[hours_id] = any(hours.open_at(rule, today, now) for rule in rules)
        return open_by_hours[hours_id]

    # Every filter over the columns kept in memory (`index.py`): no per-row database work.
    candidates = np.ones(n, dtype=np.bool_) if filters.include_inactive else columns.active.copy()
    if filters.domain:
        candidates &= columns.domains.get(filters.domain, columns.none())
    language = filters.language.strip().casefold()
    if language:
        candidates &= columns.languages.get(language, columns.none())
    if filters.capacity:
        candidates &= np.logical_or.reduce(
            [columns.capacities.get(value, columns.none()) for value in set(filters.capacity)]
        )
    _filter_texts(index, candidates, filters)
    distance = np.zeros(n, dtype=np.float64)
    if origin is not None:
        # The box first (cheap), then the circle; a service is as near as its nearest site.
        box = geo.bounding_box(origin.latitude, origin.longitude, km)
        in_box = np.zeros(len(columns.site_of), dtype=np.bool_)
        for west, east in box.longitude_ranges():
            in_box |= (columns.longitude >= west) & (columns.longitude <= east)
        in_box &= (columns.latitude >= box.min_lat) & (columns.latitude <= box.max_lat)
        in_box &= candidates[columns.site_of]
        distance.fill(np.inf)
        np.minimum.at(
            distance,
            columns.site_of[in_box],
            geo.prepared_haversine_km_many(
                origin, columns.phi[in_box], columns.lam[in_box], columns.cos_phi[in_box]
            ),
        )
        candidates &= distance <= km
    open_now = columns.none()
    if filters.open_now or ranked:
        table = np.zeros(len(columns.rules), dtype=np.bool_)
        for hours_id in np.unique(columns.hours_id[candidates]).tolist():
            table[hours_id] = is_open(hours_id)
        open_now = table[columns.hours_id]
        if filters.open_now:
            candidates &= open_now
    positions = np.flatnonzero(candidates)
    total = len(positions)
    fit = _goal_relevance(index, candidates, total, stems) if stems else {}

    # One integer per candidate orders them as the docstring says: the ranking's small whole
    # numbers (or the distance in millionths of a km), then the place of the name and id.
    if ranked:
        tenths = np.zeros(n, dtype=np.int64)  # round(fit, 1), in tenths
        for position, value in fit.items():
            tenths[position] = round(round(value, 1) * 10)
        kind = "ranked"
        in_domain = columns.domains.get(rank_domain, columns.none())[positions]
        in_language = columns.codes.get(rank_language.casefold(), columns.none())[positions]
        prefix = ((10 - tenths[positions]) * 2 + ~in_domain) * 2 + ~in_language
        prefix = prefix * _KM_STEPS + np.rint(distance[positions]).astype(np.int64)
        prefix = (prefix * 2 + ~open_now[positions]) * 3 + _capacity_order(columns)[positions]
    elif origin is not None:
        kind = "near"
        prefix = np.rint(distance[positions] * 1e6).astype(np.int64)
    else:
        kind = "name"
        prefix = np.zeros(total, dtype=np.int64)
    keys = prefix * n + columns.name_rank[positions]
    after, after_keys = positions, keys
    if cursor:
        following = keys >= _cursor_threshold(cursor, kind, index)
        after, after_keys = positions[following], keys[following]
    chosen = np.argsort(after_keys) if len(after_keys) <= limit else _smallest(after_keys, limit)
    page = after[chosen].tolist()
    next_cursor = ""
    if page and len(after) > limit:
        last = index.entries[page[-1]]
        next_cursor = signing.dumps(
            [kind, int(after_keys[chosen[-1]]) // max(n, 1), *last.last], salt=_CURSOR_SALT
        )
    loaded = {
        service.pk: service
        for service in _results_base().filter(pk__in=[index.entries[p].pk for p in page])
    }
    hits = []
    for position in page:
        entry = index.entries[position]
        service = loaded[entry.pk]
        fits = bool(rank_domain) and rank_domain in entry.domains
        speaks = bool(rank_language) and rank_language.casefold() in entry.codes
        sites = [sal.location for sal in service.at_location_list]  # type: ignore[attr-defined]
        hit = Hit(
            service=service,
            open_now=is_open(entry.hours_id),
            domain_match=fits,
            language_match=speaks,
            locations=sites,
            relevance=round(fit.get(position, 0.0), 3),
            languages=service.language_list,  # type: ignore[attr-defined]
            domains=[d.domain for d in service.domain_list],  # type: ignore[attr-defined]
            addresses={site.pk: site.address_list for site in sites},  # type: ignore[attr-defined]
        )
        km_away = float(distance[position]) if origin is not None else 0.0
        if near is not None:
            hit.distance_km = km_away
            hit.locations.sort(key=lambda loc: _distance(near, loc))
        hit.score = (
            (3.0 if fits else 0.0)
            + (2.0 if speaks else 0.0)
            + (1.0 if entry.capacity == _HAS_CAPACITY else 0.0)
            - (0.5 if entry.capacity == _NO_CAPACITY else 0.0)
            - (km_away / 10.0)
        )
        hits.append(hit)
    return ResultPage(hits=hits, total=total, next_cursor=next_cursor, first=total - len(after) + 1)


def _filter_texts(
    index: directory_index.Index, candidates: directory_index.Mask, filters: Filters
) -> None:
    """The filters that look into each service's words, eligibility and taxonomy terms, over
    the candidates left (in place)."""
    words = fold(filters.words).split()[:8]
    term_ids: set[UUID] = set()
    if filters.term:
        term_ids = {filters.term, *index.children.get(filters.term, [])}
    eligibility = filters.eligibility.strip().casefold()
    if not (words or term_ids or eligibility):
        return
    for position in np.flatnonzero(candidates).tolist():
        entry = index.entries[position]
        if (
            (words and not all(word in entry.search_text for word in words))
            or (term_ids and term_ids.isdisjoint(entry.terms))
            or (eligibility and eligibility not in entry.eligibility)
        ):
            candidates[position] = False


def _capacity_order(columns: directory_index.Columns) -> directory_index.Ints:
    """Open seats first (0), then any other or none given (1), then no capacity (2)."""
    order = np.ones(len(columns.active), dtype=np.int64)
    order[columns.capacities.get(_HAS_CAPACITY, columns.none())] = 0
    order[columns.capacities.get(_NO_CAPACITY, columns.none())] = 2
    return order


def _smallest(keys: directory_index.Ints, limit: int) -> directory_index.Ints:
    """The places of the `limit` smallest keys (unique), smallest first."""
    some = np.argpartition(keys, limit - 1)[:limit]
    return some[np.argsort(keys[some])]


def _cursor_threshold(cursor: str, kind: str, index: directory_index.Index) -> int:
    """The smallest key after the row a cursor was given for (it holds that row's ranking
    number, name and id, so it survives a change of the directory between pages)."""
    try:
        key = signing.loads(cursor, salt=_CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor(_("These results have changed: start the search again.")) from exc
    if (
        not isinstance(key, list)
        or len(key) != 4
        or key[0] != kind
        or not isinstance(key[1], int)
        or key[1] < 0
        or not all(isinstance(part, str) for part in key[2:])
    ):
        raise InvalidCursor(_("These results have changed: start the search again."))
    rank, exists = index.columns.rank_of((key[2], key[3]))
    return key[1] * len(index.entries) + rank + (1 if exists else 0)


def _goal_relevance(
    index: directory_index.Index,
    candidates: directory_index.Mask,
    total: int,
    stems: dict[str, float],
) -> dict[int, float]:
    """BM25 of the goal's stems over each candidate's name, description and taxonomy terms
    (their stems counted once, when the index was read), as a share of the best (0..1), by
    position in the index; the `total` candidates are the collection."""
    counts = directory_index.counts_for(index, candidates, stems)
    lengths = {position: float(index.entries[position].length) for position in counts}
    # The lengths are whole numbers: their sum is exact in any order.
    average = float(index.columns.length[candidates].sum()) / total if total else 1.0
    scores = relevance.bm25_of_counts(
        stems, counts, total_docs=total, lengths=lengths, average_length=average
    )
    best = max(scores.values(), default=0.0)
    if not best:
        return {}
    return {position: value / best for position, value in scores.items()}


def _distance(point: tuple[float, float], location: Location) -> float:
    if location.latitude is None or location.longitude is None:
        return math.inf
    return geo.haversine_km(point[0], point[1], location.latitude, location.longitude)


def service_page(service_id: UUID) -> Service:
    return _base().prefetch_related("phones", "service_areas").get(pk=service_id)


def service_schedules(service: Service) -> list[Schedule]:
    return _schedules(service)


#: Under this many ratings a de-identified reader sees "<5" and no mean (as in the reports).
FEW_RATINGS = 5


def rating_summary(service: Service, viewer: Any) -> dict[str, Any]:
    """Clients' ratings of a service: the mean and the count across agencies for anyone; the
    comments — a client's own words, so client data — only from clients `viewer` may see
    (`accounts.access.client_scope_q`), newest five. A de-identified reader
    (`reads_deidentified`) sees a count under 5 as "<5" and no mean, since a mean of one
    rating is that client's rating; then ``suppressed`` is True."""
    summary: dict[str, Any] = ServiceRating.objects.filter(service=service).aggregate(
        mean=Avg("helpful"), count=Count("id")
    )
    comments: list[tuple[str, int]] = []
    deidentified = reads_deidentified(viewer)
    if not deidentified:
        # directory sits below referrals: reach the model through the registry.
        referral = apps.get_model("referrals", "Referral")
        visible = referral.objects.filter(client_scope_q(viewer, "client__"), service=service)
        comments = list(
            ServiceRating.objects.filter(service=service, referral_id__in=visible.values("pk"))
            .exclude(comment="")
            .order_by("-created_at")
            .values_list("comment", "helpful")[:5]
        )
    suppressed = deidentified and 0 < summary["count"] < FEW_RATINGS
    if suppressed:
        summary = {"mean": None, "count": f"<{FEW_RATINGS}"}
    return {**summary, "suppressed": suppressed, "comments": comments}


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


def saved_service_ids(*, client: Any) -> set[UUID]:
    """Ids of the services on the client's saved list (to mark them in the results)."""
    return set(SavedService.objects.filter(client=client).values_list("service_id", flat=True))


def saved_of(
    *, visible_to: Any, client: Any, saved_id: Any, write: bool = False, request: Any = None
) -> SavedService:
    """One entry of this client's saved list through the access gate (else 404)."""
    saved: SavedService = access_client_object(
        visible_to, SavedService, saved_id, client=client, write=write, request=request
    )
    return saved


def find_help_for(
    *, visible_to: Any, client_id: Any = None, goal_id: Any = None, request: Any = None
) -> tuple[Any, Goal | None]:
    """The client (and their goal) a find-help search is for, through the access gate, the
    same for the page and the API: a goal that is not the client's is 404; given only a goal,
    the client is the goal's. A search for a client is audited
    ("directory.searched_for_client", with the goal). (None, None) when neither is given."""
    client = (
        access_client(visible_to, client_id, request=request) if client_id is not None else None
    )
    goal: Goal | None = None
    if goal_id is not None:
        goal = access_client_object(visible_to, Goal, goal_id, client=client, request=request)
        if client is None:
            client = access_client(visible_to, goal.client_id, request=request)
    if client is not None:
        audit_record(
            actor=visible_to,
            action="directory.searched_for_client",
            target=client,
            changes={"goal": [None, goal.pk if goal else None]},
            request=request,
        )
    return client, goal


def service_by_id(service_id: Any) -> Service | None:
    """A service by id; None for an empty, malformed or unknown id."""
    if not is_uuid(str(service_id or "")):
        return None
    return Service.objects.filter(pk=service_id).first()


def organization_by_id(organization_id: Any) -> Organization | None:
    """An organisation by id; None for an empty, malformed or unknown id."""
    if not is_uuid(str(organization_id or "")):
        return None
    return Organization.objects.filter(pk=organization_id).first()


def organization_choices() -> list[tuple[str, str]]:
    """Every organisation as (id, name), for the service editor."""
    return [(str(o.pk), o.name) for o in Organization.objects.only("id", "name")]


def term_choices(*, limit: int = 200) -> list[tuple[str, str]]:
    """Taxonomy terms as (id, name) by name, for the service editor."""
    return [(str(t.pk), t.name) for t in TaxonomyTerm.objects.order_by("name")[:limit]]


def service_edit_values(*, service: Service) -> dict[str, Any]:
    """A service as the editor shows it: its fields, organisation, domains, kinds of help,
    languages, first phone, main location and address, and its weekly `schedules`."""
    sal = service.at_locations.select_related("location").order_by("location__name").first()
    location = sal.location if sal else None
    address = location.addresses.first() if location else None
    phone = service.phones.first()
    return {
        **{k: getattr(service, k) for k in SERVICE_FIELDS},
        "organization": str(service.organization_id or ""),
        "domains": list(service.domains.values_list("domain", flat=True)),
        "terms": [
            str(pk)
            for pk in Attribute.objects.filter(
                link_entity="service", link_id=service.pk
            ).values_list("taxonomy_term_id", flat=True)
        ],
        "languages": ", ".join(service.languages.values_list("code", flat=True)),
        "phone": phone.number if phone else "",
        "location_name": location.name if location else "",
        "latitude": location.latitude if location else None,
        "longitude": location.longitude if location else None,
        "address_1": address.address_1 if address else "",
        "city": address.city if address else "",
        "state_province": address.state_province if address else "",
        "postal_code": address.postal_code if address else "",
        "schedules": list(service.schedules.all()),
    }


def terms_for_filter() -> list[tuple[str, str]]:
    """Terms that classify at least one service, as (id, name) by name, for the search filter
    (from the directory kept in memory)."""
    return directory_index.current().used_terms


def languages_for_filter() -> list[tuple[str, str]]:
    """The services' languages as (code, label in the reader's language), by label."""
    seen: dict[str, str] = {}
    for code, name in directory_index.current().spoken:
        seen.setdefault(code.lower(), language_label(code, name or code))
    return sorted(seen.items(), key=lambda kv: kv[1])
