"""The directory as the HSDS 3.0 API describes it (/api/hsds/): the meta object, paged lists of
services, organizations, services at locations, taxonomies and taxonomy terms, and each one
fully nested by id. Token-protected like the rest of the API unless the agency publishes its
directory (STRENGTHWISE_HSDS_PUBLIC).

Each list takes the query parameters the HSDS OpenAPI defines for it (and no other: the
schemas below list them per endpoint). They arrive as text and are read here, so that a value
that is not what HSDS says (`page=abc`, `full=maybe`, `modified_after=yesterday`) answers 400
with the reason, as `{"detail", "errors": [{"field", "reason"}]}`, instead of being dropped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from strengthwise.core.errors import DomainError
from strengthwise.core.schemas import ErrorOut

from .hsds import MAX_MINIMAL_PER_PAGE, MAX_PER_PAGE, Directory, Filters

HSDS_VERSION = "3.0"
PROFILE = "https://openreferral.org/"


def _auth() -> Any:
    from strengthwise.api import BearerAuth

    class PublishedOrToken(BearerAuth):
        """Open to anyone while the agency publishes its directory; else a bearer token."""

        def __call__(self, request: HttpRequest) -> Any:
            if settings.STRENGTHWISE_HSDS_PUBLIC:
                return True
            return super().__call__(request)

    return PublishedOrToken()


router = Router(tags=["HSDS"], auth=_auth())


class BadQuery(DomainError):
    """A query parameter HSDS defines, with a value it does not allow (400)."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__(_("A query parameter has a value this API cannot use."))
        self.problems = problems

    def api_body(self) -> dict[str, Any]:
        return {"errors": self.problems}


def _param(kind: str, description: str, **schema: Any) -> Any:
    """A query parameter read as text (so a bad value is ours to refuse with 400) and
    documented with the type HSDS gives it."""

    def shape(generated: dict[str, Any]) -> None:
        generated.pop("default", None)
        generated.pop("maxLength", None)
        generated["type"] = kind
        generated.update(schema)

    return Field("", max_length=500, description=description, json_schema_extra=shape)


SEARCH = _param("string", "Full text search: every word, in any order (accents and case aside).")
PAGE = _param("integer", "Page number of paginated result (from 1).", minimum=1)
PER_PAGE = _param(
    "integer",
    f"Number of results requested in a single page (1–{MAX_PER_PAGE}, default 50; a larger "
    "number gives the largest page).",
    minimum=1,
)
FORMAT = _param("string", "Return results in the specified format: only `json` is served.")
FULL = _param("boolean", "true: each object fully nested.")
TAXONOMY_TERM_ID = _param("string", "Only services with this taxonomy term (as an attribute).")
TAXONOMY_ID = _param("string", "Only services with any term of this taxonomy.")
ORGANIZATION_ID = _param("string", "Only services this organization provides.")
MODIFIED_AFTER = _param(
    "string",
    "Only services modified on or after this date-time (ISO 8601; without an offset, UTC; a "
    "date alone means its midnight UTC).",
    format="date-time",
)


class _Common(Schema):
    search: str = SEARCH
    page: str = PAGE
    per_page: str = PER_PAGE
    format: str = FORMAT


class _ServiceFilters(_Common):
    taxonomy_term_id: str = TAXONOMY_TERM_ID
    taxonomy_id: str = TAXONOMY_ID
    organization_id: str = ORGANIZATION_ID
    modified_after: str = MODIFIED_AFTER
    full: str = FULL


class ServicesQuery(_ServiceFilters):
    minimal: str = _param(
        "boolean",
        "true: each service as just its `id` and `last_modified`, up to "
        f"{MAX_MINIMAL_PER_PAGE} a page (all of them by default).",
    )


class ServiceAtLocationsQuery(_ServiceFilters):
    postcode: str = _param(
        "string",
        "Only services at a location with an address in this postcode; with `proximity`, "
        "those within that distance of the postcode's centre (the mean of the directory's "
        "located places in it).",
    )
    proximity: str = _param(
        "number", "Meters from the centre of `postcode` (needs `postcode`).", minimum=0
    )


class OrganizationsQuery(_Common):
    full: str = FULL
    full_service: str = _param(
        "boolean", "true: each organization fully nested, with its services fully nested."
    )


class OrganizationQuery(Schema):
    full_service: str = _param("boolean", "true: the organization's services fully nested.")


class TaxonomiesQuery(_Common):
    pass


class TaxonomyTermsQuery(_Common):
    taxonomy_id: str = _param("string", "Only terms of this taxonomy.")
    top_only: str = _param("boolean", "true: only terms at the top (without a parent term).")
    parent_id: str = _param("string", "Only terms whose parent is this term.")


class _Reader:
    """Reads the text of the query parameters, collecting every problem."""

    def __init__(self, query: Schema) -> None:
        self.raw = {k: v.strip() for k, v in query.dict().items()}
        self.problems: list[dict[str, str]] = []

    def refuse(self, name: str, reason: str) -> None:
        self.problems.append({"field": name, "reason": reason})

    def text(self, name: str, limit: int = 200) -> str:
        return self.raw.get(name, "")[:limit]

    def id(self, name: str) -> str:
        return self.text(name, 64).lower()

    def whole(self, name: str, default: int, *, least: int = 1) -> int:
        value = self.raw.get(name, "")
        if not value:
            return default
        try:
            number = int(value)
        except ValueError:
            self.refuse(name, _("Give a whole number."))
            return default
        if number < least:
            self.refuse(name, _("Give a number of at least %(least)d.") % {"least": least})
            return default
        return min(number, 10**9)

    def flag(self, name: str) -> bool:
        value = self.raw.get(name, "").lower()
        if value in ("", "false", "0"):
            return False
        if value in ("true", "1"):
            return True
        self.refuse(name, _("Give true or false."))
        return False

    def instant(self, name: str) -> dt.datetime | None:
        value = self.raw.get(name, "")
        if not value:
            return None
        try:
            moment = parse_datetime(value.replace(" ", "+"))  # a "+" sent unencoded
            if moment is None and (day := parse_date(value)) is not None:
                moment = dt.datetime.combine(day, dt.time())
        except ValueError:
            moment = None
        if moment is None:
            self.refuse(name, _("Give a date-time such as 2026-01-31T09:00:00Z."))
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    def meters(self, name: str) -> float | None:
        value = self.raw.get(name, "")
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0 <= number <= 40_075_000:  # NaN, inf and below zero fail too
            self.refuse(name, _("Give a distance in meters."))
            return None
        return number

    def done(self) -> None:
        if self.problems:
            raise BadQuery(self.problems)


def _page(endpoint: str, query: Schema) -> dict[str, Any]:
    read = _Reader(query)
    minimal = read.flag("minimal")
    paging = {
        "page": read.whole("page", 1),
        "per_page": read.whole("per_page", MAX_MINIMAL_PER_PAGE if minimal else 50),
    }
    if read.text("format").lower() not in ("", "json"):
        read.refuse("format", _("Only json is served."))
    filters = Filters(
        search=read.text("search"),
        taxonomy_term_id=read.id("taxonomy_term_id"),
        taxonomy_id=read.id("taxonomy_id"),
        organization_id=read.id("organization_id"),
        modified_after=read.instant("modified_after"),
        parent_id=read.id("parent_id"),
        top_only=read.flag("top_only"),
        postcode=read.text("postcode", 20),
        proximity_m=read.meters("proximity"),
    )
    if filters.proximity_m is not None and not filters.postcode:
        read.refuse("proximity", _("Give a postcode to measure from."))
    full = read.flag("full")
    full_service = read.flag("full_service")
    read.done()
    return Directory().page(
        endpoint,
        **paging,
        full=full,
        full_service=full_service,
        minimal=minimal,
        filters=filters,
    )


LISTED = {200: dict[str, Any], 400: ErrorOut}


@router.get("/", summary="About this API and its relation to HSDS")
def meta(request: HttpRequest) -> dict[str, Any]:
    return {
        "version": HSDS_VERSION,
        "profile": PROFILE,
        "openapi_url": request.build_absolute_uri("/api/openapi.json"),
    }


@router.get(
    "/services",
    response=LISTED,
    summary="A page of services",
    operation_id="hsds_list_services",
)
def services(request: HttpRequest, q: Query[ServicesQuery]) -> dict[str, Any]:
    return _page("services", q)


@router.get(
    "/organizations",
    response=LISTED,
    summary="A page of organizations",
    operation_id="hsds_list_organizations",
)
def organizations(request: HttpRequest, q: Query[OrganizationsQuery]) -> dict[str, Any]:
    return _page("organizations", q)


@router.get(
    "/service_at_locations",
    response=LISTED,
    summary="A page of services at locations",
    operation_id="hsds_list_service_at_locations",
)
def service_at_locations(request: HttpRequest, q: Query[ServiceAtLocationsQuery]) -> dict[str, Any]:
    return _page("service_at_locations", q)


@router.get(
    "/taxonomies",
    response=LISTED,
    summary="A page of taxonomies",
    operation_id="hsds_list_taxonomies",
)
def taxonomies(request: HttpRequest, q: Query[TaxonomiesQuery]) -> dict[str, Any]:
    return _page("taxonomies", q)


@router.get(
    "/taxonomy_terms",
    response=LISTED,
    summary="A page of taxonomy terms",
    operation_id="hsds_list_taxonomy_terms",
)
def taxonomy_terms(request: HttpRequest, q: Query[TaxonomyTermsQuery]) -> dict[str, Any]:
    return _page("taxonomy_terms", q)


@router.get(
    "/organizations/{id}",
    response={200: dict[str, Any], 400: ErrorOut},
    summary="One of the organizations, fully nested",
    operation_id="hsds_get_organizations",
)
def organization(request: HttpRequest, id: str, q: Query[OrganizationQuery]) -> dict[str, Any]:
    read = _Reader(q)
    full_service = read.flag("full_service")
    read.done()
    found = Directory().one("organizations", id[:64], full_service=full_service)
    if found is None:
        raise Http404("Not found")
    return found


def _one(endpoint: str) -> Any:
    def handler(request: HttpRequest, id: str) -> dict[str, Any]:
        found = Directory().one(endpoint, id[:64])
        if found is None:
            raise Http404("Not found")
        return found

    return handler


for _endpoint in ("services", "service_at_locations", "taxonomies", "taxonomy_terms"):
    router.get(
        f"/{_endpoint}/{{id}}",
        response=dict[str, Any],
        summary=f"One of the {_endpoint.replace('_', ' ')}, fully nested",
        operation_id=f"hsds_get_{_endpoint}",
    )(_one(_endpoint))
