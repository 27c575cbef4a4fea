"""Reads for the directory: the find-help search and a service's page.

Search runs in the database: words against the folded `search_text`, taxonomy terms through
attributes, life domains, languages, capacity, eligibility; "near" is a bounding-box prefilter
on the indexed latitude/longitude columns, then the exact (haversine) distance in Python over the
few candidates; "open now" is an SQL prefilter over schedules (hours.OpenNowParts.q), confirmed
per service with hours.is_open. Finding help for a goal also reads the goal's words
(`relevance.py`: BM25 over names, descriptions and taxonomy terms, computed in Python so both
databases rank alike). Results page with a keyset cursor; a page of results costs a constant
number of queries."""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core import signing
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Length
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
from .labels import language_label
from .models import (
    Attribute,
    Language,
    Location,
    Organization,
    SavedService,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDomain,
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
    service: Service
    distance_km: float | None = None
    open_now: bool | None = None
    domain_match: bool = False
    language_match: bool = False
    score: float = 0.0
    locations: list[Location] = field(default_factory=list)
    relevance: float = 0.0  # how well the goal's words match, as a share of the best match


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
_CAPACITY_ORDER: dict[str, int] = {Service.Capacity.CAPACITY: 0, Service.Capacity.NO_CAPACITY: 2}


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
    the best match), then the domain, the language, the distance (whole km), open now (the SQL
    prefilter of `hours`) and capacity. Without ranking: by distance when searching near a
    point, else by name. Every ordering ends with name and id, so it is total and stable.

    Keyset paging: `cursor` is the `next_cursor` of the previous page (the sort key of its last
    row, signed); the next page starts after that key. Raises InvalidCursor for a cursor this
    search did not give out."""
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
    stems = relevance.query_terms(rank_words) if rank_words else {}
    ranked = bool(rank_domain or rank_language or stems)
    open_q = Q()
    if filters.open_now or ranked:
        parts = hours.open_now_filter_parts(at, tz)
        # Subqueries only (no join): one row per service, usable as a column below.
        open_q = Q(pk__in=Schedule.objects.filter(parts.q()).values("service_id")) | Q(
            pk__in=ServiceAtLocation.objects.filter(
                Q(pk__in=Schedule.objects.filter(parts.q()).values("service_at_location_id"))
                | Q(location__in=Schedule.objects.filter(parts.q()).values("location_id"))
            ).values("service_id")
        )
    if filters.open_now:
        qs = qs.filter(open_q)
    distances: dict[UUID, float] | None = None
    if filters.near is not None:
        lat, lon = filters.near
        km = min(filters.within_km or 25.0, MAX_KM)
        box = geo.bounding_box(lat, lon, km)
        lon_q = Q()
        for low, high in box.longitude_ranges():
            lon_q |= Q(location__longitude__range=(low, high))
        in_box = ServiceAtLocation.objects.filter(
            lon_q, location__latitude__range=(box.min_lat, box.max_lat)
        )
        distances = {}
        for service_id, loc_lat, loc_lon in in_box.filter(service__in=qs).values_list(
            "service_id", "location__latitude", "location__longitude"
        ):
            if loc_lat is None or loc_lon is None:  # excluded by the range filter; for mypy
                continue
            d = geo.haversine_km(lat, lon, loc_lat, loc_lon)
            if d <= km and d < distances.get(service_id, math.inf):
                distances[service_id] = d
        # The box in SQL (a subquery, not thousands of ids as parameters); the circle is
        # applied to the ranked rows below.
        qs = qs.filter(pk__in=in_box.values("service_id"))

    # Rank on light rows first (id, name, capacity, the match sets, the text length), then load
    # the full records of one page only: the cost of a page does not grow with the matches.
    # The ranking's facts about each candidate come as columns of this one query (a correlated
    # index probe each), not as sets of ids from queries of their own.
    light = qs.annotate(
        text_length=Length("name") + Length("description"),
        in_domain=Exists(
            ServiceDomain.objects.filter(service_id=OuterRef("pk"), domain=rank_domain)
        )
        if rank_domain
        else Value(False),
        speaks=Exists(
            Language.objects.filter(service_id=OuterRef("pk"), code__iexact=rank_language)
        )
        if rank_language
        else Value(False),
        likely_open=ExpressionWrapper(open_q, output_field=BooleanField())
        if ranked and not filters.open_now
        else Value(False),
    )
    rows: list[tuple[UUID, str, str, int]] = []
    in_domain: set[UUID] = set()
    speaks: set[UUID] = set()
    likely_open: set[UUID] = set()
    for pk, name, capacity, length, domain_match, language_match, maybe_open in light.values_list(
        "pk", "name", "capacity", "text_length", "in_domain", "speaks", "likely_open"
    ):
        if distances is not None and pk not in distances:
            continue
        rows.append((pk, name, capacity, length))
        if domain_match:
            in_domain.add(pk)
        if language_match:
            speaks.add(pk)
        if maybe_open:
            likely_open.add(pk)
    if filters.open_now:
        # The SQL prefilter is a superset; confirm each candidate with its real hours.
        open_ids = {
            service.pk
            for service in _base().filter(pk__in=qs.values("pk"))
            if hours.is_open(_schedules(service), at, tz)
        }
        rows = [row for row in rows if row[0] in open_ids]
    if ranked and filters.open_now:
        likely_open = {row[0] for row in rows}
    fit = _goal_relevance(qs, rows, stems) if stems else {}

    def score(row: tuple[UUID, str, str, int]) -> float:
        pk, _name, capacity, _length = row
        return (
            (3.0 if pk in in_domain else 0.0)
            + (2.0 if pk in speaks else 0.0)
            + (1.0 if capacity == Service.Capacity.CAPACITY else 0.0)
            - (0.5 if capacity == Service.Capacity.NO_CAPACITY else 0.0)
            - ((distances or {}).get(pk, 0.0) / 10.0)
        )

    def sort_key(row: tuple[UUID, str, str, int]) -> tuple[Any, ...]:
        pk, name, capacity, _length = row
        last = (name.casefold(), str(pk))
        if ranked:
            return (
                -round(fit.get(pk, 0.0), 1),
                0 if pk in in_domain else 1,
                0 if pk in speaks else 1,
                round((distances or {}).get(pk, 0.0)),
                0 if pk in likely_open else 1,
                _CAPACITY_ORDER.get(capacity, 1),
                *last,
            )
        if distances is not None:
            return (round(distances.get(pk, 0.0), 6), *last)
        return last

    keyed = sorted(((sort_key(row), row) for row in rows), key=lambda item: item[0])
    start = 0
    if cursor:
        after = _cursor_key(cursor, len(keyed[0][0]) if keyed else 0)
        try:
            start = bisect.bisect_right([key for key, _row in keyed], after)
        except TypeError as exc:  # a key of another shape (other filters)
            raise InvalidCursor(_("These results have changed: start the search again.")) from exc
    page = keyed[start : start + limit]
    next_cursor = (
        signing.dumps(list(page[-1][0]), salt=_CURSOR_SALT)
        if page and start + limit < len(keyed)
        else ""
    )
    page_ids = [row[0] for _key, row in page]
    loaded = {service.pk: service for service in _base().filter(pk__in=page_ids)}
    hits = []
    for _key, row in page:
        pk = row[0]
        service = loaded[pk]
        locations = [sal.location for sal in service.at_locations.all()]
        hit = Hit(
            service=service,
            open_now=hours.is_open(_schedules(service), at, tz),
            domain_match=pk in in_domain,
            language_match=pk in speaks,
            locations=locations,
            relevance=round(fit.get(pk, 0.0), 3),
        )
        if distances is not None and filters.near is not None:
            hit.distance_km = distances.get(pk)
            hit.locations.sort(key=lambda loc: _distance(filters.near, loc))  # type: ignore[arg-type]
        hit.score = score(row)
        hits.append(hit)
    return ResultPage(hits=hits, total=len(rows), next_cursor=next_cursor, first=start + 1)


def _cursor_key(cursor: str, size: int) -> tuple[Any, ...]:
    try:
        key = signing.loads(cursor, salt=_CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor(_("These results have changed: start the search again.")) from exc
    if not isinstance(key, list) or (size and len(key) != size):
        raise InvalidCursor(_("These results have changed: start the search again."))
    return tuple(key)


def _goal_relevance(
    qs: QuerySet[Service], rows: list[tuple[UUID, str, str, int]], stems: dict[str, float]
) -> dict[UUID, float]:
    """BM25 of the goal's stems over each candidate's name, description and taxonomy terms, as
    a share of the best (0..1). Only services whose `search_text` has a word starting with a
    stem can match; only those are read (two queries)."""
    prefixes = Q()
    for stem in stems:
        start = relevance.fetch_prefix(stem)
        prefixes |= Q(search_text__startswith=start) | Q(search_text__contains=f" {start}")
    candidates = {row[0] for row in rows}
    found = [
        row
        for row in qs.filter(prefixes).values_list("pk", "name", "description")
        if row[0] in candidates
    ]
    terms: dict[UUID, list[str]] = {}
    for link_id, term in Attribute.objects.filter(
        link_entity="service", link_id__in=[pk for pk, _name, _description in found]
    ).values_list("link_id", "taxonomy_term__name"):
        terms.setdefault(link_id, []).append(term)
    docs: dict[object, relevance.Document] = {
        pk: relevance.Document(name=name, terms=" ".join(terms.get(pk, [])), text=description)
        for pk, name, description in found
    }
    lengths: dict[object, float] = {row[0]: float(row[3] or 0) for row in rows}
    average = sum(lengths.values()) / len(lengths) if lengths else 1.0
    scores = relevance.bm25(
        stems, docs, total_docs=len(rows), lengths=lengths, average_length=average
    )
    best = max(scores.values(), default=0.0)
    if not best:
        return {}
    return {pk: value / best for pk, value in scores.items() if isinstance(pk, UUID)}


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


def terms_for_filter() -> list[TaxonomyTerm]:
    """Terms that classify at least one service, for the search filter."""
    used = Attribute.objects.filter(link_entity="service").values("taxonomy_term_id")
    return list(TaxonomyTerm.objects.filter(pk__in=used).order_by("name"))


def languages_for_filter() -> list[tuple[str, str]]:
    rows = (
        Language.objects.filter(service__isnull=False)
        .exclude(code="")
        .values_list("code", "name")
        .distinct()
        .order_by("name")
    )
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code.lower(), language_label(code, name or code))
    return sorted(seen.items(), key=lambda kv: kv[1])
