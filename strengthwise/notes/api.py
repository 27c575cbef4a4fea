"""/api/v1/clients/{id}/notes, /api/v1/notes/{id} (draft, sign, addenda), /api/v1/goals/{id}/checkins
and /api/v1/language/flag: the same services, access and audit as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest
from strengthwise.core import language
from strengthwise.core.keyset import link_next
from strengthwise.core.schemas import (
    PAGED,
    PAGED_OPENAPI,
    ConflictOut,
    ErrorOut,
    InSchema,
    PageQuery,
)

from . import formats, selectors, services
from .models import Note

router = Router(tags=["notes"])

ContactKind = Literal["office", "phone", "video", "home", "community", "collateral"]


class QuoteIn(InSchema):
    """Whose words one quotation in a section is: the client's or someone else's (who)."""

    section: str = Field(max_length=40)
    text: str = Field(min_length=1, max_length=2000)
    by: Literal["client", "other"]
    who: str = Field(default="", max_length=120)


class NoteIn(InSchema):
    contact_type: ContactKind | None = None
    contact_date: dt.date | None = None
    duration_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    present: str | None = Field(default=None, max_length=300)
    format: str | None = Field(default=None, max_length=8)
    sections: dict[str, str] = Field(default_factory=dict)
    goal_ids: list[Annotated[int, Field(gt=0, lt=2**63)]] | None = Field(
        default=None, max_length=50
    )
    version: int | None = None
    quotes: list[QuoteIn] | None = Field(default=None, max_length=200)


class AddendumIn(InSchema):
    text: str = Field(min_length=1, max_length=5000)


class CheckInIn(InSchema):
    checked_on: dt.date | None = None
    client_rating: int | None = Field(default=None, ge=0, le=10)
    worker_rating: int | None = Field(default=None, ge=0, le=10)
    client_gas: int | None = Field(default=None, ge=-2, le=2)
    worker_gas: int | None = Field(default=None, ge=-2, le=2)
    importance: int | None = Field(default=None, ge=0, le=10)
    confidence: int | None = Field(default=None, ge=0, le=10)
    comment: str = Field(default="", max_length=500)
    comment_author: Literal["client", "worker", "together"] = "client"
    comment_verbatim: bool = False


class FlagIn(InSchema):
    text: str = Field(max_length=100_000)
    client_id: int | None = None


class QuoteOut(Schema):
    section: str
    text: str
    by: str
    who: str = ""


class AddendumOut(Schema):
    text: str
    author: str
    at: dt.datetime


class NoteOut(Schema):
    id: int
    client_id: int
    author: str
    status: str
    contact_type: str
    contact_date: dt.date
    duration_minutes: int | None
    present: str
    format: str
    sections: dict[str, str]
    goal_ids: list[int]
    quotes: list[QuoteOut]
    signed_at: dt.datetime | None
    addenda: list[AddendumOut]
    version: int


class CheckInOut(Schema):
    id: int
    checked_on: dt.date
    client_rating: int | None
    worker_rating: int | None
    client_gas: int | None
    worker_gas: int | None
    importance: int | None
    confidence: int | None
    comment: str
    comment_author: str
    comment_verbatim: bool


class FindingOut(Schema):
    term: str
    start: int
    end: int
    matched: str
    suggestions: list[str]
    source: str


class FindingsOut(Schema):
    findings: list[FindingOut]


def note_out(note: Note) -> dict[str, Any]:
    return {
        "id": note.pk,
        "client_id": note.client_id,
        "author": note.author.username,
        "status": note.status,
        "contact_type": note.contact_type,
        "contact_date": note.contact_date,
        "duration_minutes": note.duration_minutes,
        "present": note.present,
        "format": note.format,
        "sections": {k: note.sections.get(k, "") for k in formats.sections_of(note.format)},
        "goal_ids": [g.pk for g in note.goals.all()],
        "quotes": note.quotes,
        "signed_at": note.signed_at,
        "addenda": [
            {"text": a.text, "author": a.author.username, "at": a.created_at}
            for a in note.addenda.all()
        ],
        "version": note.version,
    }


def _finding_out(f: language.Finding) -> dict[str, Any]:
    return {
        "term": f.term,
        "start": f.start,
        "end": f.end,
        "matched": f.matched,
        "suggestions": list(f.suggestions),
        "source": f.source,
    }


def _note(request: StaffRequest, note_id: str, *, write: bool = False) -> Note:
    return selectors.note_of(visible_to=request.user, note_id=note_id, write=write, request=request)


@router.get(
    "/clients/{client_id}/notes",
    response={200: list[NoteOut], 400: ErrorOut},
    summary="The client's signed notes and your drafts",
    description="Newest contact first (then newest id)." + PAGED,
    openapi_extra=PAGED_OPENAPI,
)
def note_list(
    request: StaffRequest, response: HttpResponse, client_id: str, page: Query[PageQuery]
) -> list[dict[str, Any]]:
    client = access_client(request.user, client_id, request=request, read="notes.viewed")
    found = selectors.note_page(
        visible_to=request.user, client=client, limit=page.limit, cursor=page.cursor
    )
    link_next(request, response, found.next_cursor)
    return [note_out(n) for n in found.rows]


@router.post(
    "/clients/{client_id}/notes",
    response={201: NoteOut, 400: ErrorOut},
    summary="Start a draft (optionally with its content)",
)
def note_create(request: StaffRequest, client_id: str, body: NoteIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    with transaction.atomic():  # a refused body leaves no empty draft behind
        note = services.note_start(acting_user=request.user, client=client, request=request)
        note = _apply(request, note, body)
    return Status(201, note_out(note))


def _apply(request: StaffRequest, note: Note, body: NoteIn) -> Note:
    fields = {
        k: v
        for k, v in body.dict(exclude={"sections", "goal_ids", "version", "quotes"}).items()
        if v is not None
    }
    quotes = [q.dict() for q in body.quotes] if body.quotes is not None else None
    return services.note_save(
        acting_user=request.user,
        note=note,
        fields=fields,
        sections=body.sections,
        goal_ids=body.goal_ids,
        quotes=quotes,
        version=body.version,
    )


@router.get("/notes/{note_id}", response=NoteOut, summary="One note with its addenda")
def note_get(request: StaffRequest, note_id: str) -> dict[str, Any]:
    note = selectors.note_of(visible_to=request.user, note_id=note_id, read=True, request=request)
    return note_out(note)


@router.patch(
    "/notes/{note_id}",
    response={200: NoteOut, 409: ConflictOut},
    summary="Change a draft (409 once signed: add an addendum instead)",
)
def note_patch(request: StaffRequest, note_id: str, body: NoteIn) -> Any:
    note = _note(request, note_id, write=True)
    return Status(200, note_out(_apply(request, note, body)))


@router.post(
    "/notes/{note_id}/sign",
    response={200: NoteOut, 400: ErrorOut, 409: ConflictOut},
    summary="Sign and lock the note",
)
def note_sign(request: StaffRequest, note_id: str) -> Any:
    note = _note(request, note_id, write=True)
    return Status(
        200, note_out(services.note_sign(acting_user=request.user, note=note, request=request))
    )


@router.post(
    "/notes/{note_id}/addenda",
    response={201: NoteOut, 400: ErrorOut},
    summary="Add a dated addendum to a signed note",
)
def addendum_add(request: StaffRequest, note_id: str, body: AddendumIn) -> Any:
    note = _note(request, note_id, write=True)
    services.addendum_add(acting_user=request.user, note=note, text=body.text, request=request)
    note.refresh_from_db()
    return Status(201, note_out(note))


@router.get(
    "/goals/{goal_id}/checkins",
    response={200: list[CheckInOut], 400: ErrorOut},
    summary="Progress check-ins on a goal",
    description="Oldest first." + PAGED,
    openapi_extra=PAGED_OPENAPI,
)
def checkin_list(
    request: StaffRequest, response: HttpResponse, goal_id: str, page: Query[PageQuery]
) -> list[dict[str, Any]]:
    goal = selectors.goal_for_progress(
        visible_to=request.user, goal_id=goal_id, read=True, request=request
    )
    found = selectors.checkin_page(
        visible_to=request.user, goal=goal, limit=page.limit, cursor=page.cursor
    )
    link_next(request, response, found.next_cursor)
    return [{k: getattr(c, k) for k in services.CHECKIN_FIELDS} | {"id": c.pk} for c in found.rows]


@router.post(
    "/goals/{goal_id}/checkins",
    response={201: CheckInOut, 400: ErrorOut},
    summary="Record a check-in (GAS levels also become GAS follow-ups)",
)
def checkin_add(request: StaffRequest, goal_id: str, body: CheckInIn) -> Any:
    goal = selectors.goal_for_progress(
        visible_to=request.user, goal_id=goal_id, write=True, request=request
    )
    checkin = services.checkin_add(
        acting_user=request.user, goal=goal, fields=body.dict(), request=request
    )
    return Status(
        201, {k: getattr(checkin, k) for k in services.CHECKIN_FIELDS} | {"id": checkin.pk}
    )


@router.post(
    "/language/flag",
    response=FindingsOut,
    summary="The language helper: findings for a text (never rewrites)",
)
def language_flag(request: StaffRequest, body: FlagIn) -> dict[str, Any]:
    agency = request.user.agency
    if agency is None:
        raise Http404("Not found")
    preferred: list[str] = []
    if body.client_id is not None:
        client = access_client(request.user, body.client_id, request=request)
        preferred = selectors.own_terms(client)
    terms = services.language_terms(agency)
    found = language.matcher_for(terms).flag(body.text, preferred=preferred)
    return {"findings": [_finding_out(f) for f in found]}
