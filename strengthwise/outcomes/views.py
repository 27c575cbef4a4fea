"""Closing an episode with the client, the supervisor's approval, and coming back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import access_client, access_client_object, may_approve
from strengthwise.accounts.http import StaffRequest
from strengthwise.assessments.models import Author
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.core.validation import parse_id
from strengthwise.people.models import Episode

from . import reports, selectors, services
from .forms import ClosureForm, FinalGasForm, ReopenForm, ReviewForm
from .models import Closure


def _episode_of(request: StaffRequest, client: Any, episode_id: int) -> Episode:
    episode: Episode = access_client_object(
        request.user, Episode, episode_id, client=client, request=request
    )
    return episode


def _closure_form(closure: Closure | None, data: Any = None) -> ClosureForm:
    if closure is None:
        initial = {
            "closed_on": timezone.localdate(),
            "what_helped_author": Author.CLIENT,
            "what_helped_verbatim": True,
        }
        return ClosureForm(data, initial=initial)
    return ClosureForm(data, instance=closure, initial={"version": closure.version})


def _render(
    request: StaffRequest,
    client: Any,
    episode: Episode,
    closure: Closure | None,
    *,
    form: ClosureForm | None = None,
    gas_form: FinalGasForm | None = None,
    conflict: bool = False,
    status: int = 200,
) -> HttpResponse:
    page = selectors.closure_page(client=client, episode=episode, closure=closure)
    return render_page(
        request,
        "outcomes/closure_detail.html",
        {
            "client": client,
            "episode": episode,
            "closure": closure,
            "page": page,
            "form": form or _closure_form(closure),
            "gas_form": gas_form or FinalGasForm(goals=page.goals),
            "editable": episode.closed_on is None and (closure is None or closure.is_editable),
            "needs_approval": episode.program.requires_closure_approval,
            "can_review": closure is not None
            and closure.status == Closure.Status.AWAITING_APPROVAL
            and may_approve(request.user, client),
            "conflict": conflict,
            "tab": "closure",
        },
        status=status,
    )


@login_required
def client_closures(request: StaffRequest, client_id: int) -> HttpResponse:
    """The client's episodes: each closure, and where they came back, why."""
    client = access_client(request.user, client_id, request=request, read="closure.viewed")
    episodes = selectors.client_episodes(client=client)
    return render_page(
        request,
        "outcomes/closure_list.html",
        {
            "client": client,
            "episodes": episodes,
            "can_reopen": any(e.closed_on for e in episodes),
            "tab": "closure",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure(request: StaffRequest, client_id: int, episode_id: int) -> HttpResponse:
    """Close this episode with the client: what helped in their words first, why it ends, the
    final GAS scores, the referrals, then send."""
    write = request.method == "POST"
    client = access_client(
        request.user, client_id, write=write, request=request, read="closure.viewed"
    )
    episode = _episode_of(request, client, episode_id)
    current = selectors.closure_for(episode=episode)
    if not write:
        return _render(request, client, episode, current)
    form = _closure_form(current, request.POST)
    action = request.POST.get("action", "save")
    if action not in ("save", "submit"):
        form.add_error(None, _("Choose save or send."))
        return _render(request, client, episode, current, form=form, status=400)
    if not form.is_valid():
        return _render(request, client, episode, current, form=form, status=400)
    try:
        if current is None:
            current = services.closure_start(
                acting_user=request.user, episode=episode, request=request
            )
            version = None
        else:
            version = form.cleaned_data.get("version")
        current = services.closure_save(
            acting_user=request.user,
            closure=current,
            fields=form.closure_fields(),
            version=version,
            request=request,
        )
        if action == "submit":
            current = services.closure_submit(
                acting_user=request.user, closure=current, request=request
            )
    except Conflict:
        current = selectors.closure_for(episode=episode)
        data = request.POST.copy()
        data["version"] = str(current.version if current else "")
        form = _closure_form(current, data)
        form.is_valid()
        form.add_error(
            None,
            _(
                "Someone else saved this closure while you were writing. Their version is "
                "saved; check it below and save yours again."
            ),
        )
        return _render(request, client, episode, current, form=form, conflict=True, status=409)
    except DomainError as error:
        apply_domain_error(form, error)
        current = selectors.closure_for(episode=episode)
        return _render(request, client, episode, current, form=form, status=error.status_code)
    if action == "save":
        messages.success(request, _("Closure saved as a draft."))
    elif current.status == Closure.Status.CLOSED:
        messages.success(request, _("The episode is closed. The person’s record stays open."))
    else:
        messages.success(request, _("Sent to a supervisor of the team for approval."))
    return redirect("outcomes:closure", client_id=client.pk, episode_id=episode.pk)


@login_required
@require_POST
def closure_gas(request: StaffRequest, client_id: int, episode_id: int) -> HttpResponse:
    """The final GAS scores by the client and the worker, recorded as follow-ups."""
    client = access_client(request.user, client_id, write=True, request=request)
    episode = _episode_of(request, client, episode_id)
    current = selectors.closure_for(episode=episode)
    goals = selectors.final_gas_goals(episode=episode)
    gas_form = FinalGasForm(request.POST, goals=goals)
    if not gas_form.is_valid():
        return _render(request, client, episode, current, gas_form=gas_form, status=400)
    try:
        if current is None:
            current = services.closure_start(
                acting_user=request.user, episode=episode, request=request
            )
        services.closure_gas_record(
            acting_user=request.user, closure=current, levels=gas_form.levels(), request=request
        )
    except DomainError as error:
        apply_domain_error(gas_form, error)
        current = selectors.closure_for(episode=episode)
        return _render(
            request, client, episode, current, gas_form=gas_form, status=error.status_code
        )
    messages.success(request, _("Final scores recorded, dated the closing day."))
    return redirect("outcomes:closure", client_id=client.pk, episode_id=episode.pk)


@login_required
@require_http_methods(["GET", "POST"])
def closure_review(request: StaffRequest, client_id: int, episode_id: int) -> HttpResponse:
    """A supervisor of the client's team approves the closure or returns it with comments."""
    client = access_client(request.user, client_id, request=request, read="closure.viewed")
    episode = _episode_of(request, client, episode_id)
    current = selectors.closure_for(episode=episode)
    if current is None:
        raise Http404("No closure")
    allowed = may_approve(request.user, client)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    status = 200 if allowed else 403
    if request.method == "POST" and form.is_valid():
        try:
            services.closure_review(
                acting_user=request.user,
                closure=current,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except DomainError as error:
            apply_domain_error(form, error)
            status = error.status_code
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("outcomes:closure", client_id=client.pk, episode_id=episode.pk)
    elif request.method == "POST":
        status = 400 if allowed else 403
    page = selectors.closure_page(client=client, episode=episode, closure=current)
    return render_page(
        request,
        "outcomes/closure_review.html",
        {
            "client": client,
            "episode": episode,
            "closure": current,
            "page": page,
            "form": form,
            "allowed": allowed,
            "tab": "closure",
        },
        status=status,
    )


@login_required
def waiting(request: StaffRequest) -> HttpResponse:
    """The supervisor's list of closures waiting for approval."""
    return render_page(
        request,
        "outcomes/closure_waiting.html",
        {"closures": list(selectors.closures_awaiting_approval(visible_to=request.user))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request: StaffRequest, client_id: int) -> HttpResponse:
    """The client comes back: a new episode, with the last closure in view."""
    write = request.method == "POST"
    client = access_client(
        request.user, client_id, write=write, request=request, read="closure.viewed"
    )
    episodes = selectors.client_episodes(client=client)
    last_closed = next((e for e in episodes if e.closed_on), None)
    form = ReopenForm(
        request.POST if write else None,
        programs=selectors.reopen_programs(client=client),
        initial={
            "program": last_closed.program_id if last_closed else None,
            "opened_on": timezone.localdate(),
        },
    )
    status = 200
    if write:
        status = 400
        if form.is_valid():
            try:
                services.episode_reopen(
                    acting_user=request.user,
                    client=client,
                    program_id=form.cleaned_data["program"],
                    reason=form.cleaned_data["reason"],
                    reason_author=form.cleaned_data["reason_author"],
                    reason_verbatim=form.cleaned_data["reason_verbatim"],
                    opened_on=form.cleaned_data["opened_on"],
                    request=request,
                )
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request, _("They are back: a new episode has started. The last one is below.")
                )
                return redirect("outcomes:client-closures", client_id=client.pk)
    last_closure = getattr(last_closed, "closure_row", None) if last_closed is not None else None
    return render_page(
        request,
        "outcomes/reopen.html",
        {
            "client": client,
            "form": form,
            "last_closed": last_closed,
            "last_closure": last_closure,
            "tab": "closure",
        },
        status=status,
    )


# --- reports ----------------------------------------------------------------------------------


def _report_filters(request: StaffRequest) -> tuple[Any, reports.Filters]:
    from .forms import ReportFilterForm

    # The team narrows the workers on offer; the form then parses both as it parses the rest.
    choices = selectors.report_filter_choices(
        visible_to=request.user,
        team_id=parse_id(request.GET.get("team")),
        worker_id=parse_id(request.GET.get("worker")),
    )
    form = ReportFilterForm(request.GET or None, choices=choices)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, reports.Filters(
            program_id=data.get("program"),
            team_id=data.get("team"),
            worker_id=data.get("worker"),
            start=data.get("start"),
            end=data.get("end"),
        )
    return form, reports.Filters()


def _report(request: StaffRequest, name: str) -> tuple[Any, reports.Report]:
    """The page's filters, then the one gated and recorded read the API makes too."""
    form, filters = _report_filters(request)
    report = selectors.report_read(
        visible_to=request.user, filters=filters, name=name, request=request
    )
    return form, report


@login_required
def report_page(request: StaffRequest) -> HttpResponse:
    form, report = _report(request, "all")
    return render_page(
        request,
        "outcomes/reports.html",
        {
            "form": form,
            "tables": report.tables,
            "as_of_note": reports.status_note(report),
            "pending": report.pending,
            "deidentified": reports.deidentified(request.user),
            "query": request.GET.urlencode(),
            # Printed at the top of every page (the PDF export says the same on its first).
            "scope": _filter_lines(form, timezone.localdate()),
        },
        partial="results",
    )


@login_required
def report_advocacy(request: StaffRequest) -> HttpResponse:
    form, report = _report(request, "advocacy")
    return render_page(
        request,
        "outcomes/advocacy.html",
        {
            "form": form,
            "tables": [] if report.pending else reports.advocacy_tables(report.figures),
            "as_of_note": reports.status_note(report),
            "query": request.GET.urlencode(),
            "scope": _filter_lines(form, timezone.localdate()),
        },
    )


@login_required
def report_export(request: StaffRequest, fmt: str) -> HttpResponse:
    """CSV (one table, ?table=key), XLSX (every table) or the program summary PDF."""
    if fmt not in reports.EXPORT_TYPES:
        raise Http404("Not found")
    form, report = _report(request, f"export.{fmt}")
    if report.pending:
        response = HttpResponse(
            reports.pending_note(), status=503, content_type="text/plain; charset=utf-8"
        )
        response["Retry-After"] = "15"
        return response
    today = timezone.localdate()
    # What the figures cover, on every export: the filters, the period, and "as of" when the
    # figures may be behind the records.
    context = [
        *_filter_lines(form, today),
        *[n for n in [reports.as_of_note(report.as_of)] if n],
    ]
    made = reports.export_file(
        report,
        fmt,
        reader=request.user,
        context=context,
        today=today,
        table=request.GET.get("table", ""),
    )
    if made is None:
        raise Http404("Not found")
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


def _filter_lines(form: Any, today: dt.date) -> list[str]:
    """What the figures cover, in words, for the top of the PDF and under each exported table:
    the filters as applied (an invalid filter form means none was applied) and the period."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    names = []
    for key, label in (("program", _("Program")), ("team", _("Team")), ("worker", _("Worker"))):
        chosen = data.get(key)
        shown = dict(form.fields[key].choices).get(chosen, _("All")) if chosen else _("All")
        names.append((str(label), str(shown)))
    return reports.coverage_lines(names, data.get("start"), data.get("end"), today)


@login_required
def report_data_quality(request: StaffRequest, check: str) -> HttpResponse:
    """The clients behind one data-quality figure — for workers and supervisors, within what
    they may see (de-identified readers get counts only, never lists)."""
    _form, filters = _report_filters(request)
    figure, clients = selectors.data_quality_list(
        visible_to=request.user, check=check, filters=filters, request=request
    )
    return render_page(
        request,
        "outcomes/data_quality.html",
        {"check": check, "clients": clients, "figure": figure, "query": request.GET.urlencode()},
    )
