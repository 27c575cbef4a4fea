"""Reads for closures and reports. Callers have passed the access gate for the client
(accounts/access.py); the lists that span clients filter through `client_scope_q`. The reports
are read through `report_read` and `data_quality_list`, which hold the role gate
(`access.may_read_reports`) and record the read, for the page, the exports and the API alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from strengthwise.accounts.access import (
    client_approve_q,
    client_scope_q,
    may_list_report_clients,
    may_read_reports,
    record_reads,
    team_ids_for,
)
from strengthwise.accounts.models import Membership, Program, Role, Team, User
from strengthwise.assessments.models import Kind
from strengthwise.audit.services import audit_record
from strengthwise.people.models import Client, Episode
from strengthwise.plans.models import GasFollowUp, Goal, Plan
from strengthwise.questionnaires.models import QuestionnaireResponse
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Referral

from . import measures, reports
from .models import Closure, ClosureEvent, Reopening

# Referrals the organisation is still working on (or has not answered): closing the episode
# while one of these is open needs the worker's explicit "close anyway".
OPEN_REFERRAL_STATUSES = (
    workflow.REQUESTED,
    workflow.ACCEPTED,
    workflow.IN_PROGRESS,
    workflow.ON_HOLD,
)
FINAL_GAS_GOAL_STATUSES = (Goal.Status.ACTIVE, Goal.Status.ACHIEVED)
_LONG_AGO = dt.datetime.min.replace(tzinfo=dt.UTC)


def closure_for(*, episode: Episode) -> Closure | None:
    return (
        Closure.objects.filter(episode=episode)
        .select_related(
            "episode__program",
            "client__team",
            "started_by",
            "submitted_by",
            "reviewed_by",
            "closed_by",
        )
        .first()
    )


def closure_history(*, closure: Closure) -> list[ClosureEvent]:
    return list(
        ClosureEvent.objects.filter(closure=closure)
        .select_related("by", "new_episode__program")
        .order_by("at", "id")
    )


def client_episodes(*, client: Client) -> list[Episode]:
    """The client's episodes, newest first, each with its closure (or None) and, when the
    client came back, its reopening with the closure before it."""
    episodes = list(
        Episode.objects.filter(client=client)
        .select_related("program", "opened_by")
        .order_by("-opened_on", "-id")
    )
    closures = {
        c.episode_id: c
        for c in Closure.objects.filter(client=client).select_related(
            "closed_by", "reviewed_by", "started_by"
        )
    }
    reopenings = {
        r.episode_id: r
        for r in Reopening.objects.filter(client=client).select_related(
            "by", "previous_episode__program", "previous_closure"
        )
    }
    for episode in episodes:
        episode.closure_row = closures.get(episode.pk)  # type: ignore[attr-defined]
        episode.reopening_row = reopenings.get(episode.pk)  # type: ignore[attr-defined]
    return episodes


def client_closures(*, client: Client) -> list[Closure]:
    """Every closure of the client, newest first, with its history."""
    return list(
        Closure.objects.filter(client=client)
        .select_related("episode__program", "started_by", "reviewed_by", "closed_by")
        .prefetch_related(
            Prefetch("events", queryset=ClosureEvent.objects.select_related("by").order_by("id"))
        )
        .order_by("-created_at", "-id")
    )


def referral_summary(*, client: Client) -> list[Referral]:
    """The client's referrals with status, outcome and rating (entered in error left out);
    the open ones first."""
    rows = list(
        Referral.objects.filter(client=client)
        .exclude(status=workflow.ENTERED_IN_ERROR)
        .select_related("service", "organization")
        .order_by("-created_at", "-id")
    )
    for row in rows:
        row.still_open = row.status in OPEN_REFERRAL_STATUSES  # type: ignore[attr-defined]
    return sorted(rows, key=lambda r: not r.still_open)  # type: ignore[attr-defined]


def open_referrals(*, client: Client) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(client=client, status__in=OPEN_REFERRAL_STATUSES)
        .select_related("service", "organization")
        .order_by("id")
    )


def final_gas_goals(*, episode: Episode) -> list[Goal]:
    """The goals of the episode's plan that can take a final GAS score (all five levels
    written; active or achieved), with their follow-ups."""
    plan = Plan.objects.filter(episode=episode).first()
    if plan is None:
        return []
    goals = (
        Goal.objects.filter(plan=plan, status__in=FINAL_GAS_GOAL_STATUSES)
        .prefetch_related(
            Prefetch("followups", queryset=GasFollowUp.objects.order_by("scored_on", "id"))
        )
        .order_by("order", "id")
    )
    scored = [g for g in goals if g.gas_complete]
    for goal in scored:
        followups = list(goal.followups.all())
        goal.latest_followup = followups[-1] if followups else None  # type: ignore[attr-defined]
    return scored


def exit_matrix(*, client: Client, since: dt.date) -> QuestionnaireResponse | None:
    """The client's own exit Self-Sufficiency Matrix recorded since the episode opened (a
    response to the agency's matrix questionnaire)."""
    return (
        QuestionnaireResponse.objects.filter(
            agency_id=client.agency_id,
            client=client,
            questionnaire__shipped=Kind.SSM,
            member__isnull=True,
            occasion=QuestionnaireResponse.Occasion.EXIT,
            answered_on__gte=since,
        )
        .order_by("-answered_on", "-id")
        .first()
    )


def previous_closure(*, episode: Episode) -> Closure | None:
    """The closure before this episode: the one its reopening names, else the latest closed
    closure of the same client and program that ended before this episode opened."""
    reopening = Reopening.objects.filter(episode=episode).select_related("previous_closure").first()
    if reopening is not None and reopening.previous_closure is not None:
        return reopening.previous_closure
    return (
        Closure.objects.filter(
            client_id=episode.client_id,
            episode__program_id=episode.program_id,
            status=Closure.Status.CLOSED,
            episode__closed_on__lte=episode.opened_on,
        )
        .exclude(episode=episode)
        .select_related("episode__program", "closed_by")
        .order_by("-episode__closed_on", "-id")
        .first()
    )


def client_reopenings(*, client: Client) -> list[Reopening]:
    return list(
        Reopening.objects.filter(client=client)
        .select_related("by", "episode__program")
        .order_by("-at", "-id")
    )


def reopening_for(*, episode: Episode) -> Reopening | None:
    return (
        Reopening.objects.filter(episode=episode)
        .select_related("by", "previous_episode__program", "previous_closure")
        .first()
    )


def closures_awaiting_approval(*, visible_to: Any) -> QuerySet[Closure]:
    """Closures waiting for this supervisor: the teams they supervise, within their scope."""
    return (
        Closure.objects.filter(
            client_scope_q(visible_to, "client__"),
            client_approve_q(visible_to, "client__"),
            status=Closure.Status.AWAITING_APPROVAL,
        )
        .select_related("client", "episode__program", "submitted_by")
        .order_by("submitted_at", "id")
    )


def reopen_programs(*, client: Client) -> list[tuple[int, str]]:
    """The agency's programs as (id, name), for the program a client comes back to."""
    return list(
        Program.objects.filter(agency_id=client.agency_id)
        .order_by("name")
        .values_list("pk", "name")
    )


# --- reports ----------------------------------------------------------------------------------

DATA_QUALITY_CHECKS = (
    "missing_strengths",
    "plans_without_client_goal",
    "stale_referrals",
    "overdue_reassessments",
)


def _filters_shown(filters: reports.Filters) -> dict[str, Any]:
    return {k: v for k, v in vars(filters).items() if v}


# An agency's readers choose among every worker only while the list stays short enough to
# read; past it (thousands of workers at 100,000 clients) they choose a team and then among its
# members, and the page does not grow with the agency.
WORKERS_LISTED = 150


@dataclass(frozen=True)
class ReportFilterChoices:
    """What the reports' filters offer one reader, as (id, label) pairs by filter."""

    program: list[tuple[int, str]]
    team: list[tuple[int, str]]
    worker: list[tuple[int, str]]
    # True when the reader's workers were too many to list: a team narrows them.
    workers_cut: bool = False


def report_filter_choices(
    *, visible_to: Any, team_id: int | None = None, worker_id: int | None = None
) -> ReportFilterChoices:
    """What the reports' filters offer this reader: the agency's programs, and the teams and
    workers whose clients the reader's figures can cover (`reports.scope_for`): a worker's own
    teams and only themselves; a supervisor's teams and their members; for the agency's
    readers, every team and every active worker and supervisor. With `team_id` (one of those
    teams) the workers are that team's members. More than `WORKERS_LISTED` workers are not
    listed (`workers_cut`). `worker_id`, when the reader could choose it, is always on offer,
    so that a chosen filter reads back. Read as values."""
    agency_id = visible_to.agency_id or 0
    programs = Program.objects.filter(agency_id=agency_id).order_by("name")
    teams = Team.objects.filter(agency_id=agency_id).order_by("name")
    workers = User.objects.filter(
        agency_id=agency_id, is_active=True, role__in=[Role.WORKER, Role.SUPERVISOR]
    )
    if visible_to.role in (Role.WORKER, Role.SUPERVISOR):
        teams = teams.filter(pk__in=team_ids_for(visible_to))
        if visible_to.role == Role.WORKER:
            workers = workers.filter(pk=visible_to.pk)
        else:
            members = Membership.objects.filter(team_id__in=team_ids_for(visible_to))
            workers = workers.filter(pk__in=members.values("user_id"))
    team_pairs = list(teams.values_list("pk", "name"))
    listed = workers
    if team_id is not None and any(pk == team_id for pk, _name in team_pairs):
        listed = workers.filter(pk__in=Membership.objects.filter(team_id=team_id).values("user_id"))
    fields = ("pk", "display_name", "first_name", "last_name", "username")
    labels = list(
        listed.order_by("display_name", "username").values_list(*fields)[: WORKERS_LISTED + 1]
    )
    cut = len(labels) > WORKERS_LISTED
    if cut:
        labels = []
    if worker_id and all(pk != worker_id for pk, *_names in labels):
        # A worker chosen before (say, of another team) stays on offer: the figures are then
        # of both filters, as the page says, not of a form refused.
        labels += list(workers.filter(pk=worker_id).values_list(*fields))
    return ReportFilterChoices(
        program=list(programs.values_list("pk", "name")),
        team=team_pairs,
        worker=[(pk, User.label_of(*names)) for pk, *names in labels],
        workers_cut=cut,
    )


def report_read(
    *, visible_to: Any, filters: reports.Filters, name: str = "all", request: Any = None
) -> reports.Report:
    """The figures this user may see (`reports.report_for`), for the reports page, its
    exports and `/api/v1/reports/{name}` alike: 404 for anyone `access.may_read_reports`
    refuses; the read is recorded ("report.viewed", the report's name as target, with the
    filters applied)."""
    if not may_read_reports(visible_to):
        raise Http404("Not found")
    report = reports.report_for(visible_to, filters)
    audit_record(
        actor=visible_to,
        action="report.viewed",
        target_type="report",
        target_id=name,
        changes={"filters": [None, _filters_shown(filters)]},
        request=request,
    )
    return report


def data_quality_list(
    *,
    visible_to: Any,
    check: str,
    filters: reports.Filters,
    request: Any = None,
    limit: int = 500,
) -> tuple[dict[str, Any], list[Client]]:
    """One data-quality figure and the clients behind it — for readers of identified data
    only (`access.may_list_report_clients`; else 404) and only the clients they may see. The
    clients shown are recorded as read ("report.list_viewed", with the check)."""
    if check not in DATA_QUALITY_CHECKS or not may_list_report_clients(visible_to):
        raise Http404("Not found")
    scope = reports.scope_for(visible_to, filters)
    figure = measures.data_quality(scope)[check]
    clients = list(
        Client.objects.filter(client_scope_q(visible_to), pk__in=figure["client_ids"]).order_by(
            "legal_last_name", "legal_first_name"
        )[:limit]
    )
    record_reads(
        visible_to, request, action="report.list_viewed", clients=clients, detail={"check": check}
    )
    return figure, clients


@dataclass
class ClosurePage:
    """Everything the closure page shows beside the form."""

    referrals: list[Referral] = field(default_factory=list)
    open_referrals: list[Referral] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    exit_matrix: QuestionnaireResponse | None = None
    previous: Closure | None = None
    reopening: Reopening | None = None
    history: list[ClosureEvent] = field(default_factory=list)


def closure_page(*, client: Client, episode: Episode, closure: Closure | None) -> ClosurePage:
    referrals = referral_summary(client=client)
    return ClosurePage(
        referrals=referrals,
        open_referrals=[r for r in referrals if r.still_open],  # type: ignore[attr-defined]
        goals=final_gas_goals(episode=episode),
        exit_matrix=exit_matrix(client=client, since=episode.opened_on),
        previous=previous_closure(episode=episode),
        reopening=reopening_for(episode=episode),
        history=closure_history(closure=closure) if closure is not None else [],
    )


def face_sheet_sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Face-sheet provider (settings.STRENGTHWISE_FACE_SHEET_PROVIDERS): what helped last
    time, in their words — a strength to build on when someone comes back — and a closure in
    progress."""
    # One read of the client's closures (one per episode: a handful), newest first.
    closures = list(
        Closure.objects.filter(client=client).select_related("episode__program").order_by("-id")
    )
    closed = [c for c in closures if c.status == Closure.Status.CLOSED]
    # The latest closed: by when it closed (one without that time counts as the oldest).
    latest = max(closed, key=lambda c: (c.closed_at or _LONG_AGO, c.pk)) if closed else None
    pending = next((c for c in closures if c.status != Closure.Status.CLOSED), None)
    if latest is None and pending is None:
        return {}
    return {
        "strengths": [
            (
                "outcomes/closure_face.html",
                {"client": client, "closure": latest, "pending": pending},
            )
        ]
    }
