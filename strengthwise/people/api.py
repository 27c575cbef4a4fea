"""/api/v1/clients (transfer and merge included) and, on `caseload_router` mounted at /api/v1/,
caseloads/reassign and merges/{id}/undo — the same services and selectors as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from strengthwise.accounts.access import (
    access_client,
    access_client_object,
    may_manage_caseloads,
    may_see_address_of,
    record_reads,
)
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.errors import DomainError
from strengthwise.core.schemas import ErrorOut, InSchema
from strengthwise.core.validation import parse_id

from . import caseload, merge, selectors, services
from .models import ClientMerge, ContactMethod, Language

router = Router(tags=["clients"])
# Mounted at /api/v1/: caseloads/reassign and merges/{id}/undo.
caseload_router = Router(tags=["caseloads"])


class ClientIn(InSchema):
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


class ClientPatch(InSchema):
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
    count: int | None = Field(
        description="A search: how many matched (at most 500). The list: null (never counted)."
    )
    page: int
    page_size: int
    next_cursor: str | None = Field(
        None, description="The list: pass as `cursor` for the next page; null on the last."
    )
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


@router.get(
    "",
    response={200: ClientPage, 400: ErrorOut},
    summary="List or search the clients you may see",
)
def client_list(
    request: StaffRequest,
    q: str = Query(
        "", max_length=200, description="Name (typos tolerated), date of birth, phone or id"
    ),
    page: int = Query(1, ge=1, le=100000, description="A search's page"),
    page_size: int = Query(25, ge=1, le=100),
    scope: Literal["all", "mine", "team"] = Query(
        "all", description="The list: every client you may see, your caseload or your teams'"
    ),
    cursor: str = Query(
        "", max_length=40, description="The list: `next_cursor` of the previous page"
    ),
) -> Any:
    if q.strip():
        found = selectors.client_search(visible_to=request.user, query=q, limit=500)
        items = found[(page - 1) * page_size : page * page_size]
        count, next_cursor = len(found), None
    else:
        after = parse_id(cursor) if cursor else None
        if page > 1:
            raise DomainError(_("Page through the list with next_cursor, not page numbers."))
        if cursor and after is None:
            raise selectors.InvalidCursor(_("This list cannot continue from there: start again."))
        listed = selectors.client_list_page(
            visible_to=request.user, scope=scope, after=after, size=page_size
        )
        items, count = listed.clients, None
        next_cursor = str(listed.next_after) if listed.next_after else None
    record_reads(
        request.user,
        request,
        action="clients.searched" if q.strip() else "clients.listed",
        clients=items,
    )
    return Status(
        200,
        {
            "count": count,
            "page": page,
            "page_size": page_size,
            "next_cursor": next_cursor,
            "items": [_summary(c) for c in items],
        },
    )


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
    client = access_client(request.user, client_id, request=request, read="client.viewed")
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


# --- caseload management and merging ---------------------------------------------------------


class TransferIn(InSchema):
    to_worker_id: int = Field(gt=0, lt=2**63)
    to_team_id: int | None = Field(
        default=None,
        gt=0,
        lt=2**63,
        description="Default: the client's team if the worker belongs to it, else the worker's.",
    )
    reason: str = Field(min_length=1, max_length=500)


@router.post(
    "/{client_id}/transfer",
    response={200: ClientSummaryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Give a client a new primary worker (supervisors of the team, agency admins)",
)
def client_transfer(request: StaffRequest, client_id: str, payload: TransferIn) -> Any:
    client = access_client(request.user, client_id, managing=True, request=request)
    caseload.check_may_transfer(acting_user=request.user, client=client)
    worker = caseload.workers_by_id(acting_user=request.user, ids=[payload.to_worker_id]).get(
        payload.to_worker_id
    )
    if worker is None:
        raise DomainError(
            _("Unknown worker."), field_errors={"to_worker_id": [_("No such worker.")]}
        )
    team = None
    if payload.to_team_id is not None:
        teams = {t.pk: t for t in caseload.assignable_teams(acting_user=request.user)}
        team = teams.get(payload.to_team_id)
        if team is None:
            raise DomainError(
                _("Choose a team you manage."),
                field_errors={"to_team_id": [_("Not one of your teams.")]},
            )
    client = caseload.client_transfer(
        acting_user=request.user,
        client=client,
        to_worker=worker,
        to_team=team,
        reason=payload.reason,
        request=request,
    )
    return Status(200, _summary(client))


class MoveIn(InSchema):
    client_id: int = Field(gt=0, lt=2**63)
    from_worker_id: int = Field(gt=0, lt=2**63)
    to_worker_id: int = Field(gt=0, lt=2**63)


class ReassignIn(InSchema):
    preview: bool = Field(
        default=True,
        description="true: return the plan, change nothing. false: apply `plan` as previewed.",
    )
    from_worker_id: int | None = Field(default=None, gt=0, lt=2**63)
    to_worker_ids: list[int] = Field(default_factory=list, max_length=100)
    client_ids: list[int] | None = Field(
        default=None, max_length=5000, description="Only these of the worker's clients."
    )
    plan: list[MoveIn] | None = Field(
        default=None, max_length=5000, description="The moves a preview returned (to apply)."
    )
    reason: str = Field(default="", max_length=500)


class MoveOut(Schema):
    client_id: int
    client_name: str
    from_worker_id: int | None
    to_worker_id: int
    to_worker: str
    team_id: int
    to_team_id: int | None
    to_team: str | None


class ReassignOut(Schema):
    preview: bool
    count: int
    moves: list[MoveOut]


@caseload_router.post(
    "/caseloads/reassign",
    response={200: ReassignOut, 400: ErrorOut, 404: ErrorOut, 409: Any},
    summary="Preview, then apply, the split of a departing worker's caseload",
)
def caseload_reassign(request: StaffRequest, payload: ReassignIn) -> Any:
    user = request.user
    if not may_manage_caseloads(user):
        raise Http404("Not found")
    if payload.preview:
        if payload.from_worker_id is None or not payload.to_worker_ids:
            raise DomainError(_("Name the departing worker and at least one receiving worker."))
        wanted = [payload.from_worker_id, *payload.to_worker_ids]
        workers = caseload.workers_by_id(acting_user=user, ids=wanted)
        if any(pk not in workers for pk in wanted):
            raise DomainError(_("Unknown worker."))
        clients = None
        if payload.client_ids is not None:
            clients = caseload.managed_clients(acting_user=user, ids=payload.client_ids)
        plan = caseload.reassignment_preview(
            acting_user=user,
            from_worker=workers[payload.from_worker_id],
            to_workers=[workers[pk] for pk in payload.to_worker_ids],
            clients=clients,
        )
    else:
        if not payload.plan:
            raise DomainError(
                _("To apply, send back the plan the preview returned (`plan`) with a reason.")
            )
        plan = caseload.reassignment_plan_load(
            acting_user=user,
            moves=[(m.client_id, m.from_worker_id, m.to_worker_id) for m in payload.plan],
        )
        caseload.reassignment_apply(
            acting_user=user, plan=plan, reason=payload.reason, request=request
        )
    rows = caseload.plan_rows(acting_user=user, plan=plan)
    return Status(
        200,
        {
            "preview": payload.preview,
            "count": len(rows),
            "moves": [
                {
                    "client_id": r.client.pk,
                    "client_name": r.client.display_name,
                    "from_worker_id": r.client.primary_worker_id,
                    "to_worker_id": r.to_worker.pk,
                    "to_worker": r.to_worker.label,
                    "team_id": r.client.team_id,
                    "to_team_id": r.to_team.pk if r.to_team else None,
                    "to_team": r.to_team.name if r.to_team else None,
                }
                for r in rows
            ],
        },
    )


class MergeIn(InSchema):
    duplicate_id: int = Field(gt=0, lt=2**63)
    choices: dict[str, str] = Field(
        default_factory=dict,
        description='{field: "survivor" | "duplicate"}; fields not named keep the survivor\'s value.',
    )
    reason: str = Field(min_length=1, max_length=500)


class MergeOut(Schema):
    id: int
    survivor_id: int
    duplicate_id: int
    at: dt.datetime
    merged_by: str
    reason: str
    moved: dict[str, dict[str, list[Any]]]
    kept: dict[str, dict[str, list[Any]]]
    choices: dict[str, str]
    undone_at: dt.datetime | None
    undo_detail: dict[str, Any]


class DifferenceOut(Schema):
    field: str
    label: str
    survivor: Any
    duplicate: Any
    hidden: bool


class MergePreviewOut(Schema):
    survivor_id: int
    duplicate_id: int
    differences: list[DifferenceOut]
    moving: dict[str, dict[str, list[Any]]]
    kept: dict[str, dict[str, list[Any]]]
    blockers: list[str]


def _merge_out(record: ClientMerge) -> dict[str, Any]:
    return {
        "id": record.pk,
        "survivor_id": record.survivor_id,
        "duplicate_id": record.duplicate_id,
        "at": record.at,
        "merged_by": record.merged_by.username,
        "reason": record.reason,
        "moved": record.moved,
        "kept": record.kept,
        "choices": record.choices,
        "undone_at": record.undone_at,
        "undo_detail": record.undo_detail,
    }


@router.get(
    "/{client_id}/merge",
    response={200: MergePreviewOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="What merging another record into this one would do (changes nothing)",
)
def client_merge_preview(
    request: StaffRequest,
    client_id: str,
    duplicate_id: int = Query(..., gt=0, lt=2**63),
) -> Any:
    survivor = access_client(request.user, client_id, managing=True, request=request)
    duplicate = access_client(request.user, duplicate_id, managing=True, request=request)
    preview = merge.merge_preview(acting_user=request.user, survivor=survivor, duplicate=duplicate)
    return Status(
        200,
        {
            "survivor_id": survivor.pk,
            "duplicate_id": duplicate.pk,
            "differences": [
                {
                    "field": d.name,
                    "label": d.label,
                    "survivor": d.survivor,
                    "duplicate": d.duplicate,
                    "hidden": d.hidden,
                }
                for d in preview.differences
            ],
            "moving": preview.rows.moving,
            "kept": preview.rows.kept,
            "blockers": preview.blockers,
        },
    )


@router.post(
    "/{client_id}/merge",
    response={201: MergeOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: Any},
    summary="Merge a duplicate record into this one (supervisors of both teams, agency admins)",
)
def client_merge(request: StaffRequest, client_id: str, payload: MergeIn) -> Any:
    survivor = access_client(request.user, client_id, managing=True, request=request)
    duplicate = access_client(request.user, payload.duplicate_id, managing=True, request=request)
    record = merge.clients_merge(
        acting_user=request.user,
        survivor=survivor,
        duplicate=duplicate,
        choices=payload.choices,
        reason=payload.reason,
        request=request,
    )
    return Status(201, _merge_out(record))


@caseload_router.post(
    "/merges/{merge_id}/undo",
    response={200: MergeOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Undo a merge: the rows that moved go back; fields edited since keep their value",
)
def merge_undo(request: StaffRequest, merge_id: str) -> Any:
    record = access_client_object(
        request.user,
        ClientMerge,
        merge_id,
        client_path="survivor",
        managing=True,
        request=request,
    )
    record = merge.merge_undo(acting_user=request.user, merge=record, request=request)
    return Status(200, _merge_out(record))
