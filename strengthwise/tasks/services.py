"""Writes for manual tasks (derived tasks need no writes: they go away when the work is done)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.access import access_client
from strengthwise.accounts.models import User
from strengthwise.audit.services import audit_record
from strengthwise.core.errors import DomainError, ValidationFailed
from strengthwise.core.validation import refuse_nul, validated
from strengthwise.people.models import Client
from strengthwise.people.services import lock_open_record

from .models import Task


def task_add(
    *,
    acting_user: User,
    title: str,
    due_on: dt.date,
    client: Client | None = None,
    client_id: Any = None,
    assigned_to: User | None = None,
    request: Any = None,
) -> Task:
    """A task of one's own, due on a day, about a client or about no one in particular. The
    page and the API name the client by `client_id`, looked up within what the user may see
    (404 otherwise), so both give the same answer."""
    refuse_nul({"title": title})
    if client is None and client_id not in (None, ""):
        client = access_client(acting_user, client_id, write=True, request=request)
    if acting_user.agency_id is None:
        raise DomainError(_("Tasks belong to an agency's staff."))
    assignee = assigned_to or acting_user
    if assignee.agency_id != acting_user.agency_id:
        raise DomainError(_("Tasks go to people in your own agency."))
    if due_on < timezone.localdate() - dt.timedelta(days=365):
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"due_on": [_("Choose a date no more than a year ago.")]},
        )
    task = Task(
        agency_id=acting_user.agency_id,
        client=client,
        assigned_to=assignee,
        title=title.strip(),
        due_on=due_on,
        created_by=acting_user,
    )
    validated(task, exclude=["agency", "client", "assigned_to", "created_by"])
    with transaction.atomic():
        if client is not None:
            lock_open_record(client.pk)
        task.save()
        audit_record(
            actor=acting_user,
            action="task.created",
            target=task,
            client_id=client.pk if client else None,
            changes={"title": [None, task.title], "due_on": [None, due_on.isoformat()]},
            request=request,
        )
    return task


def task_done(*, acting_user: User, task: Task, request: Any = None) -> Task:
    if task.assigned_to_id != acting_user.pk:
        raise DomainError(_("Only the person the task is for can mark it done."))
    if task.done_at is not None:
        return task
    with transaction.atomic():
        task.done_at = timezone.now()
        task.save(update_fields=["done_at", "updated_at"])
        audit_record(
            actor=acting_user,
            action="task.done",
            target=task,
            client_id=task.client_id,
            request=request,
        )
    return task
