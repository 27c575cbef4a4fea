"""/api/v1/clients — the same services and selectors as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from strengthwise.accounts.access import access_client, may_see_address_of
from strengthwise.accounts.http import StaffRequest
from strengthwise.audit.services import audit_record

from . import selectors, services
from .models import ContactMethod, Language

router = Router(tags=["clients"])


class ClientIn(Schema):
    legal_first_name: str = Field(default="", max_length=100)
    legal_last_name: str = Field(default="", max_length=100)
    preferred_name: str = Field(default="", max_length=100)
    pronouns: str = Field(default="", max_length=40)
    date_of_birth: dt.date | None = None
    preferred_language: Language = Language.ENGLISH
    other_languages: str = Field(default="", max_length=200)
    interpreter_needed: bool = False
    phone: str = Field(default="", max_length=25)
    email: str = Field(default="", max_length=254)
    preferred_contact_method: ContactMethod | None = None
    ok_to_leave_message: bool = False
    do_not_contact: bool = False
    contact_notes: str = Field(default="", max_length=300)
    address_line1: str = Field(default="", max_length=200)
    address_line2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=50)
    postal_code: str = Field(default="", max_length=20)
    address_confidential: bool = False
    confirm_not_duplicate: bool = Field(
        default=False,
        description="Set after reviewing the likely duplicates a first attempt returned (409).",
    )


class ClientPatch(Schema):
    version: int = Field(description="The version you read; a newer saved version answers 409.")
    legal_first_name: str | None = Field(default=None, max_length=100)
    legal_last_name: str | None = Field(default=None, max_length=100)
    preferred_name: str | None = Field(default=None, max_length=100)
    pronouns: str | None = Field(default=None, max_length=40)
    date_of_birth: dt.date | None = None
    preferred_language: Language | None = None
    other_languages: str | None = Field(default=None, max_length=200)
    interpreter_needed: bool | None = None
    phone: str | None = Field(default=None, max_length=25)
    email: str | None = Field(default=None, max_length=254)
    preferred_contact_method: ContactMethod | None = None
    ok_to_leave_message: bool | None = None
    do_not_contact: bool | None = None
    contact_notes: str | None = Field(default=None, max_length=300)
    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=50)
    postal_code: str | None = Field(default=None, max_length=20)
    address_confidential: bool | None = None


class ClientSummaryOut(Schema):
    id: int
    display_name: str
    legal_first_name: str
    legal_last_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: dt.date | None
    preferred_language: str
    team: str
    primary_worker: str | None
    version: int


class AddressOut(Schema):
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str


class HouseholdMemberOut(Schema):
    id: int
    name: str
    relationship: str
    date_of_birth: dt.date | None
    lives_with_client: bool


class EpisodeOut(Schema):
    id: int
    program: str
    opened_on: dt.date
    closed_on: dt.date | None


class ClientOut(ClientSummaryOut):
    other_languages: str
    interpreter_needed: bool
    phone: str
    email: str
    preferred_contact_method: str
    ok_to_leave_message: bool
    do_not_contact: bool
    contact_notes: str
    address_confidential: bool
    address: AddressOut | None = Field(
        description="Omitted (null) when the address is confidential and you are not the assigned worker."
    )
    household: list[HouseholdMemberOut]
    episodes: list[EpisodeOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class ClientPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ClientSummaryOut]


class DuplicateOut(Schema):
    visible: bool = Field(
        description="False: a possible match on a team whose records you cannot open"
    )
    id: int | None
    name: str | None
    date_of_birth: dt.date | None
    team: str
    score: float
    level: str


class ErrorOut(Schema):
    detail: str
    errors: Any = None


class DuplicatesOut(ErrorOut):
    matches: list[DuplicateOut]


def _summary(client: Any) -> dict[str, Any]:
    return {
        "id": client.pk,
        "display_name": client.display_name,
        "legal_first_name": client.legal_first_name,
        "legal_last_name": client.legal_last_name,
        "preferred_name": client.preferred_name,
        "pronouns": client.pronouns,
        "date_of_birth": client.date_of_birth,
        "preferred_language": client.preferred_language,
        "team": client.team.name,
        "primary_worker": client.primary_worker.username if client.primary_worker else None,
        "version": client.version,
    }


def _detail(request: StaffRequest, client: Any) -> dict[str, Any]:
    sheet = selectors.client_face_sheet(client=client)
    show_address = may_see_address_of(request.user, client)
    return {
        **_summary(client),
        **{
            name: getattr(client, name)
            for name in (*services.CLIENT_FIELDS, "created_at", "updated_at")
            if name not in services.ADDRESS_FIELDS
        },
        "address": {
            "line1": client.address_line1,
            "line2": client.address_line2,
            "city": client.city,
            "region": client.region,
            "postal_code": client.postal_code,
        }
        if show_address
        else None,
        "household": sheet["household"],
        "episodes": [
            {
                "id": e.pk,
                "program": e.program.name,
                "opened_on": e.opened_on,
                "closed_on": e.closed_on,
            }
            for e in sheet["episodes"]
        ],
    }


@router.get("", response=ClientPage, summary="List or search the clients you may see")
def client_list(
    request: StaffRequest,
    q: str = Query(
        "", max_length=200, description="Name (typos tolerated), date of birth, phone or id"
    ),
    page: int = Query(1, ge=1, le=100000),
    page_size: int = Query(25, ge=1, le=100),
) -> dict[str, Any]:
    if q.strip():
        found = selectors.client_search(visible_to=request.user, query=q, limit=500)
        count = len(found)
        items = found[(page - 1) * page_size : page * page_size]
    else:
        count, items = selectors.client_page(
            visible_to=request.user, offset=(page - 1) * page_size, size=page_size
        )
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [_summary(c) for c in items],
    }


@router.post(
    "",
    response={201: ClientOut, 400: ErrorOut, 409: DuplicatesOut},
    summary="Take in a new client (checks for likely duplicates first)",
)
def client_create(request: StaffRequest, payload: ClientIn) -> Any:
    data = payload.dict()
    confirm = data.pop("confirm_not_duplicate")
    data["preferred_contact_method"] = data["preferred_contact_method"] or ""
    try:
        client = services.client_intake(
            acting_user=request.user, fields=data, confirm_not_duplicate=confirm
        )
    except services.PossibleDuplicates as dup:
        return Status(
            409,
            {
                "detail": dup.message,
                "matches": selectors.duplicate_match_summaries(
                    visible_to=request.user, matches=dup.matches
                ),
            },
        )
    client = access_client(request.user, client.pk, request=request)
    return Status(201, _detail(request, client))


@router.get("/{client_id}", response=ClientOut, summary="A client's record")
def client_get(request: StaffRequest, client_id: str) -> dict[str, Any]:
    client = access_client(request.user, client_id, request=request)
    audit_record(actor=request.user, action="client.viewed", target=client, request=request)
    return _detail(request, client)


@router.patch(
    "/{client_id}",
    response={200: ClientOut, 400: ErrorOut, 409: Any},
    summary="Change a client's record (send the version you read)",
)
def client_patch(request: StaffRequest, client_id: str, payload: ClientPatch) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    for name, value in list(data.items()):
        if value is None and name != "date_of_birth":
            data.pop(name)  # null means "leave as is" except for the one nullable field
    services.client_update(acting_user=request.user, client=client, version=version, fields=data)
    client = access_client(request.user, client.pk, request=request)
    return Status(200, _detail(request, client))
