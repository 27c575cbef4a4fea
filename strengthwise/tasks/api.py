"""/api/v1/tasks: your derived and manual tasks; add a manual task; mark one done."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from strengthwise.accounts.access import access_task, record_reads
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.schemas import ErrorOut, InSchema

from . import selectors, services

router = Router(tags=["tasks"])


class TaskIn(InSchema):
    title: str = Field(min_length=1, max_length=200)
    due_on: dt.date
    client_id: int | None = None


class TaskOut(Schema):
    id: int | None = Field(description="A manual task's id; null for a derived task.")
    key: str = Field(description="Stable for a derived task (what it is about and why).")
    kind: str
    derived: bool
    title: str
    due_on: dt.date | None
    client_id: int | None
    url: str = Field(description="The page where it is done.")


def task_out(task: Any) -> dict[str, Any]:
    return {
        "id": getattr(task, "pk", None),
        "key": task.key,
        "kind": task.kind,
        "derived": task.derived,
        "title": task.title,
        "due_on": task.due_on,
        "client_id": task.client_id,
        "url": task.url,
    }


@router.get(
    "/tasks",
    summary="Your tasks: derived (due within a week or overdue) and manual, a page at a time",
    description=(
        "Ordered by due date (derived before manual, then id). `limit` (1–500, default 100) "
        "tasks after the cursor `after`; the next page's cursor is in the `X-Next-After` "
        'header and a `Link: <…>; rel="next"` header, both absent on the last page.'
    ),
    response={200: list[TaskOut], 400: ErrorOut},
)
def task_list(
    request: StaffRequest,
    response: HttpResponse,
    limit: int = Query(selectors.API_LIMIT, ge=1, le=selectors.API_MAX_LIMIT),
    after: str = Query("", max_length=60),
) -> Any:
    cursor = selectors.parse_after(after) if after else None
    if after and cursor is None:
        return Status(400, {"detail": "after: not a cursor from this list"})
    tasks, next_after = selectors.task_page(request.user, limit=limit, after=cursor)
    record_reads(
        request.user,
        request,
        action="tasks.viewed",
        clients=[t.client_id for t in tasks if t.client_id is not None],
    )
    if next_after:
        response["X-Next-After"] = next_after
        response["Link"] = f'</api/v1/tasks?limit={limit}&after={next_after}>; rel="next"'
    return [task_out(t) for t in tasks]


@router.post(
    "/tasks",
    response={201: TaskOut, 400: ErrorOut},
    summary="Add a manual task (about one of your clients, or about no one)",
)
def task_create(request: StaffRequest, body: TaskIn) -> Any:
    task = services.task_add(
        acting_user=request.user,
        title=body.title,
        due_on=body.due_on,
        client_id=body.client_id,
        request=request,
    )
    return Status(201, task_out(task))


@router.post(
    "/tasks/{task_id}/done", response={200: TaskOut}, summary="Mark one of your tasks done"
)
def task_done(request: StaffRequest, task_id: int) -> Any:
    task = access_task(request.user, task_id, request=request)
    return Status(
        200, task_out(services.task_done(acting_user=request.user, task=task, request=request))
    )
