"""The worker's day (derived and manual tasks, who needs attention and why) and the
supervisor's team view (caseloads, overdue work, approvals, what is working)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import access_task, record_reads
from strengthwise.accounts.http import StaffRequest
from strengthwise.accounts.models import Role
from strengthwise.core.errors import DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page

from . import selectors, services
from .forms import TaskForm


def _clients(request: StaffRequest) -> list[tuple[int, str]]:
    return selectors.caseload_choices(visible_to=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def today(request: StaffRequest) -> HttpResponse:
    picks = _clients(request)
    form = TaskForm(request.POST or None, clients=picks, initial={"due_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.task_add(
                    acting_user=request.user,
                    title=data["title"],
                    due_on=data["due_on"],
                    client_id=data["client"] or None,
                    request=request,
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Task added."))
                return redirect("tasks:today")
    whole = request.GET.get("group", "")[:60]
    day = selectors.day_for(request.user, whole=whole)
    # The page names the clients of the day and, in the new-task form, the caseload to pick from.
    shown = [*day.clients, *(pk for pk, _name in picks)]
    record_reads(request.user, request, action="tasks.viewed", clients=shown)
    context = {
        "day": day,
        "form": form,
        "today": timezone.localdate(),
    }
    return render_page(request, "tasks/today.html", context, status=status)


@login_required
@require_POST
def task_done(request: StaffRequest, task_id: int) -> HttpResponse:
    task = access_task(request.user, task_id, request=request)
    try:
        services.task_done(acting_user=request.user, task=task, request=request)
        messages.success(request, _("Done: %(title)s") % {"title": task.title})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("tasks:today")


@login_required
def team(request: StaffRequest) -> HttpResponse:
    if request.user.role != Role.SUPERVISOR:
        raise Http404("Not found")
    team = selectors.team_view(request.user)
    record_reads(request.user, request, action="team.viewed", clients=team.clients)
    return render_page(request, "tasks/team.html", {"team": team})
