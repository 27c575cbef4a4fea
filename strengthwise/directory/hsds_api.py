"""The directory as the HSDS 3.0 API describes it (/api/hsds/): the meta object, paged lists of
services, organizations, services at locations, taxonomies and taxonomy terms, and each one
fully nested by id. Token-protected like the rest of the API unless the agency publishes its
directory (STRENGTHWISE_HSDS_PUBLIC)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from .hsds import Directory

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


class PageQuery(Schema):
    page: int = 1
    per_page: int = 50
    full: bool = False
    search: str = ""
    organization_id: str = ""


@router.get("/", summary="About this API and its relation to HSDS")
def meta(request: HttpRequest) -> dict[str, Any]:
    return {
        "version": HSDS_VERSION,
        "profile": PROFILE,
        "openapi_url": request.build_absolute_uri("/api/openapi.json"),
    }


def _list(endpoint: str) -> Any:
    def handler(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
        return Directory().page(
            endpoint,
            page=q.page,
            per_page=q.per_page,
            full=q.full,
            search=q.search[:200],
            organization_id=q.organization_id[:64],
        )

    return handler


def _one(endpoint: str) -> Any:
    def handler(request: HttpRequest, id: str) -> dict[str, Any]:
        found = Directory().one(endpoint, id[:64])
        if found is None:
            raise Http404("Not found")
        return found

    return handler


for _endpoint in (
    "services",
    "organizations",
    "service_at_locations",
    "taxonomies",
    "taxonomy_terms",
):
    router.get(
        f"/{_endpoint}",
        response=dict[str, Any],
        summary=f"A page of {_endpoint.replace('_', ' ')}",
        operation_id=f"hsds_list_{_endpoint}",
    )(_list(_endpoint))
    router.get(
        f"/{_endpoint}/{{id}}",
        response=dict[str, Any],
        summary=f"One of the {_endpoint.replace('_', ' ')}, fully nested",
        operation_id=f"hsds_get_{_endpoint}",
    )(_one(_endpoint))
