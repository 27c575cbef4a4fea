"""/api/v1/…/closures, /episodes/{id}/closure, /closures/{id}/review, /clients/{id}/reopen:
the same services, access gate and audit as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404
from ninja import Field, Router, Schema, Status

from strengthwise.accounts.access import access_client, access_client_object
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.schemas import ConflictOut, ErrorOut, InSchema
from strengthwise.people.models import Episode

from . import selectors, services
from .models import Closure

router = Router(tags=["closures"])

Reason = Literal["goals_achieved", "client_chose", "moved", "transferred", "no_contact", "other"]


class ClosureIn(InSchema):
    reason: Reason | Literal[""] | None = None
    reason_other: str | None = Field(default=None, max_length=200)
    what_helped: str | None = Field(default=None, max_length=2000)
    what_helped_author: Literal["client", "worker", "together"] | None = None
    what_helped_verbatim: bool | None = None
    worker_summary: str | None = Field(default=None, max_length=4000)
    closed_on: dt.date | None = None
    close_anyway: bool | None = None
    version: int | None = Field(
        default=None, ge=1, description="The version you read; 409 if it changed since."
    )


class ReviewIn(InSchema):
    approve: bool
    comment: str = Field(default="", max_length=2000)


class ReopenIn(InSchema):
    program_id: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=1000)
    reason_author: Literal["client", "worker", "together"] = "client"
    reason_verbatim: bool = False
    opened_on: dt.date | None = None


class ClosureEventOut(Schema):
    kind: str
    by: str | None = Field(
        description="The staff member's username; null: the client, in the portal."
    )
    at: dt.datetime
    comment: str
    new_episode_id: int | None


class ClosureOut(Schema):
    id: int
    client_id: int
    episode_id: int
    program: str
    status: str
    version: int
    reason: str
    reason_other: str
    what_helped: str
    what_helped_author: str
    what_helped_verbatim: bool
    worker_summary: str
    closed_on: dt.date | None
    close_anyway: bool
    reason_text: str
    open_referrals_at_close: list[Any]
    final_gas: dict[str, Any]
    supervisor_comment: str
    started_by: str
    submitted_by: str | None
    submitted_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    closed_by: str | None
    closed_at: dt.datetime | None
    episode_closed_on: dt.date | None
    history: list[ClosureEventOut]


class ReopeningOut(Schema):
    episode_id: int
    program: str
    opened_on: dt.date
    previous_episode_id: int | None
    previous_closure_id: int | None
    reason: str
    reason_author: str
    reason_verbatim: bool
    by: str
    at: dt.datetime


class ClosuresOut(Schema):
    closures: list[ClosureOut]
    reopenings: list[ReopeningOut]


class ReopenedOut(Schema):
    episode_id: int
    program: str
    opened_on: dt.date
    previous_episode_id: int | None
    reason_author: str | None
    reason_verbatim: bool | None
    previous_closure: ClosureOut | None


def _closure(closure: Closure) -> dict[str, Any]:
    return {
        "id": closure.pk,
        "client_id": closure.client_id,
        "episode_id": closure.episode_id,
        "program": closure.episode.program.name,
        "status": closure.status,
        "version": closure.version,
        **{f: getattr(closure, f) for f in services.CLOSURE_FIELDS},
        "reason_text": closure.reason_text,
        "open_referrals_at_close": closure.open_referrals_at_close,
        "final_gas": closure.final_gas,
        "supervisor_comment": closure.supervisor_comment,
        "started_by": closure.started_by.username,
        "submitted_by": closure.submitted_by.username if closure.submitted_by else None,
        "submitted_at": closure.submitted_at,
        "reviewed_by": closure.reviewed_by.username if closure.reviewed_by else None,
        "reviewed_at": closure.reviewed_at,
        "closed_by": closure.closed_by.username if closure.closed_by else None,
        "closed_at": closure.closed_at,
        "episode_closed_on": closure.episode.closed_on,
        "history": [
            {
                "kind": e.kind,
                "by": e.by.username if e.by else None,
                "at": e.at,
                "comment": e.comment,
                "new_episode_id": e.new_episode_id,
            }
            for e in selectors.closure_history(closure=closure)
        ],
    }


def _reload(closure: Closure) -> Closure:
    found = selectors.closure_for(episode=closure.episode)
    if found is None:  # pragma: no cover - a closure is never deleted
        raise Http404("Not found")
    return found


def _episode_or_404(request: StaffRequest, episode_id: str) -> Episode:
    return access_client_object(request.user, Episode, episode_id, write=True, request=request)


@router.get(
    "/clients/{client_id}/closures",
    response=ClosuresOut,
    summary="A client's closures with their history, and where they came back",
)
def closure_list(request: StaffRequest, client_id: str) -> dict[str, Any]:
    client = access_client(request.user, client_id, request=request, read="closure.viewed")
    return {
        "closures": [_closure(c) for c in selectors.client_closures(client=client)],
        "reopenings": [
            {
                "episode_id": r.episode_id,
                "program": r.episode.program.name,
                "opened_on": r.episode.opened_on,
                "previous_episode_id": r.previous_episode_id,
                "previous_closure_id": r.previous_closure_id,
                "reason": r.reason,
                "reason_author": r.reason_author,
                "reason_verbatim": r.reason_verbatim,
                "by": r.by.username,
                "at": r.at,
            }
            for r in selectors.client_reopenings(client=client)
        ],
    }


@router.post(
    "/episodes/{episode_id}/closure",
    response={200: ClosureOut, 201: ClosureOut, 400: ErrorOut, 403: ErrorOut, 409: ConflictOut},
    summary="Start or update the draft closure of an episode",
)
def closure_put(request: StaffRequest, episode_id: str, payload: ClosureIn) -> Any:
    episode = _episode_or_404(request, episode_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    fields = {k: v for k, v in data.items() if v is not None or k == "closed_on"}
    if "reason" in fields and fields["reason"] is None:
        fields["reason"] = ""
    closure = selectors.closure_for(episode=episode)
    created = closure is None
    if closure is None:
        closure = services.closure_start(acting_user=request.user, episode=episode, request=request)
    if fields or version is not None:
        closure = services.closure_save(
            acting_user=request.user,
            closure=closure,
            fields=fields,
            version=version,
            request=request,
        )
    return Status(201 if created else 200, _closure(_reload(closure)))


@router.post(
    "/episodes/{episode_id}/closure/submit",
    response={200: ClosureOut, 400: ErrorOut, 403: ErrorOut, 409: ConflictOut},
    summary="Send the closure: for approval, or the episode closes at once",
)
def closure_submit(request: StaffRequest, episode_id: str) -> Any:
    episode = _episode_or_404(request, episode_id)
    closure = selectors.closure_for(episode=episode)
    if closure is None:
        raise Http404("No closure")
    closure = services.closure_submit(acting_user=request.user, closure=closure, request=request)
    return Status(200, _closure(_reload(closure)))


@router.post(
    "/closures/{closure_id}/review",
    response={200: ClosureOut, 400: ErrorOut, 403: ErrorOut},
    summary="A supervisor of the client's team approves or returns (with a comment) a closure",
)
def closure_review(request: StaffRequest, closure_id: str, payload: ReviewIn) -> Any:
    closure = access_client_object(request.user, Closure, closure_id, write=True, request=request)
    closure = services.closure_review(
        acting_user=request.user,
        closure=closure,
        approve=payload.approve,
        comment=payload.comment,
        request=request,
    )
    return Status(200, _closure(_reload(closure)))


@router.post(
    "/clients/{client_id}/reopen",
    response={201: ReopenedOut, 400: ErrorOut, 403: ErrorOut},
    summary="The client came back: start a new episode (the closed one stays closed)",
)
def reopen(request: StaffRequest, client_id: str, payload: ReopenIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    episode = services.episode_reopen(
        acting_user=request.user,
        client=client,
        program_id=payload.program_id,
        reason=payload.reason,
        reason_author=payload.reason_author,
        reason_verbatim=payload.reason_verbatim,
        opened_on=payload.opened_on,
        request=request,
    )
    previous = selectors.previous_closure(episode=episode)
    reopening = selectors.reopening_for(episode=episode)
    return Status(
        201,
        {
            "episode_id": episode.pk,
            "program": episode.program.name,
            "opened_on": episode.opened_on,
            "previous_episode_id": reopening.previous_episode_id if reopening else None,
            "reason_author": reopening.reason_author if reopening else None,
            "reason_verbatim": reopening.reason_verbatim if reopening else None,
            "previous_closure": _closure(previous) if previous is not None else None,
        },
    )
