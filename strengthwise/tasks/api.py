"""/api/v1/tasks: your derived and manual tasks; add a manual task; mark one done."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import Http404
from ninja import Field, Router, Schema, Status

from strengthwise.accounts.access import access_client, client_scope_q
from strengthwise.accounts.http import StaffRequest

from . import rules, selectors, services
from .models import Task

router = Router(tags=["tasks"])


class TaskIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    due_on: dt.date
    client_id: int | None = None


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


@router.get("/tasks", summary="Your tasks: derived (due within a week or overdue) and manual")
def task_list(request: StaffRequest) -> list[dict[str, Any]]:
    tasks: list[Any] = [*rules.derive(request.user), *selectors.manual_tasks(request.user)]
    tasks.sort(key=lambda t: (t.due_on, t.title))
    return [task_out(t) for t in tasks]


@router.post("/tasks", response={201: dict[str, Any], 400: dict[str, Any]})
def task_create(request: StaffRequest, body: TaskIn) -> Any:
    client = (
        access_client(request.user, body.client_id, request=request)
        if body.client_id is not None
        else None
    )
    task = services.task_add(
        acting_user=request.user,
        title=body.title,
        due_on=body.due_on,
        client=client,
        request=request,
    )
    return Status(201, task_out(task))


@router.post("/tasks/{task_id}/done", response={200: dict[str, Any]})
def task_done(request: StaffRequest, task_id: int) -> Any:
    task = (
        Task.objects.filter(pk=task_id, assigned_to=request.user)
        .filter(Q(client__isnull=True) | client_scope_q(request.user, "client__"))
        .first()
    )
    if task is None:
        raise Http404("Not found")
    return Status(
        200, task_out(services.task_done(acting_user=request.user, task=task, request=request))
    )
