"""Reads for the worker's day and the supervisor's team view."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone

from strengthwise.accounts.access import client_scope_q, team_ids_for
from strengthwise.accounts.models import Membership, User
from strengthwise.core.text import fold
from strengthwise.notes.models import CheckIn
from strengthwise.plans.models import GasFollowUp, Goal
from strengthwise.referrals.models import Referral

from . import rules
from .models import Task

ATTENTION_LIMIT = 12
# A group of the day shows this many tasks; "show all" opens the whole group on its own, so a
# supervisor's day is a page, not thousands of rows (issue 11: /today/ was 4.77 MB).
GROUP_LIMIT = 20


@dataclass
class Group:
    kind: str
    label: str
    tasks: list[Any]  # the ones shown
    total: int = 0  # all of the group's tasks
    key: str = ""  # "<bucket>:<kind>", to show the whole group

    @property
    def more(self) -> int:
        return self.total - len(self.tasks)


@dataclass
class Bucket:
    key: str  # overdue | today | soon
    count: int
    groups: list[Group]


@dataclass
class Day:
    buckets: list[Bucket] = field(default_factory=list)
    # "Who needs attention and why": the clients with the most overdue or due reasons first.
    attention: list[tuple[int, str, list[Any]]] = field(default_factory=list)
    attention_more: int = 0


def manual_tasks(user: User) -> list[Task]:
    """The user's open tasks — only those about no one in particular or about a client the
    user may still see (after a transfer or a merge the others drop out of sight)."""
    return list(
        Task.objects.filter(assigned_to=user, done_at__isnull=True)
        .filter(Q(client__isnull=True) | client_scope_q(user, "client__"))
        .select_related("client")
    )


def day_for(user: User, *, today: dt.date | None = None, whole: str = "") -> Day:
    """The user's tasks in three buckets (overdue, today, this week), each grouped by kind in
    the order a worker would act on them, and the clients who need attention. Each group shows
    its first GROUP_LIMIT tasks, except the group named by `whole` ("<bucket>:<kind>")."""
    today = today or timezone.localdate()
    derived = rules.derive(user, today=today)
    tasks: list[Any] = [*derived, *manual_tasks(user)]
    labels = rules.kind_labels()
    order = list(labels)
    day = Day()
    for key, keep in (
        ("overdue", lambda t: t.due_on < today),
        ("today", lambda t: t.due_on == today),
        ("soon", lambda t: t.due_on > today),
    ):
        chosen = [t for t in tasks if keep(t)]
        groups: dict[str, list[Any]] = defaultdict(list)
        for t in sorted(chosen, key=lambda t: (t.due_on, t.client_name or "")):
            groups[t.kind].append(t)
        day.buckets.append(
            Bucket(
                key=key,
                count=len(chosen),
                groups=[
                    Group(
                        kind=k,
                        label=labels.get(k, k),
                        tasks=groups[k] if whole == f"{key}:{k}" else groups[k][:GROUP_LIMIT],
                        total=len(groups[k]),
                        key=f"{key}:{k}",
                    )
                    for k in sorted(groups, key=lambda k: order.index(k) if k in order else 99)
                ],
            )
        )
    reasons: dict[int, tuple[str, list[Any]]] = {}
    for task in derived:
        if task.client_id is not None:
            reasons.setdefault(task.client_id, (task.client_name, []))[1].append(task)
    ranked = sorted(
        reasons.items(),
        key=lambda item: (-len(item[1][1]), min(t.due_on for t in item[1][1]), item[1][0]),
    )
    day.attention = [(pk, name, items) for pk, (name, items) in ranked[:ATTENTION_LIMIT]]
    day.attention_more = max(0, len(ranked) - ATTENTION_LIMIT)
    return day


@dataclass
class WorkerRow:
    user: User
    caseload: int = 0
    overdue: int = 0


@dataclass
class Team:
    workers: list[WorkerRow]
    approvals: list[rules.DerivedTask]
    moving_up: list[tuple[Goal, int, int]]
    goals_checked: int
    strengths: list[tuple[str, int]]
    services: list[dict[str, Any]]
    since: dt.date


def team_view(user: User, *, today: dt.date | None = None, days: int = 90) -> Team:
    """Caseload sizes and overdue items per worker of the supervisor's teams, plans waiting for
    approval, and what is working: goals moving up, strengths in those goals, services clients
    rated helpful. A constant number of queries however big the teams are."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=days)
    clients = list(rules.caseload(user, only="teams"))
    derived = rules.derive_for(clients, today=today, approvals=True)
    client_ids = [c.pk for c in clients]
    members = (
        User.objects.filter(
            pk__in=Membership.objects.filter(team_id__in=team_ids_for(user)).values("user_id"),
            is_active=True,
        )
        .exclude(pk=user.pk)
        .order_by("display_name", "username")
    )
    rows = {u.pk: WorkerRow(user=u) for u in members}
    for c in clients:
        if c.primary_worker_id in rows:
            rows[c.primary_worker_id].caseload += 1
    for t in rules.overdue(derived, today):
        if t.worker_id in rows and t.kind != rules.APPROVAL:
            rows[t.worker_id].overdue += 1
    for worker_id, n in (
        Task.objects.filter(assigned_to_id__in=list(rows), done_at__isnull=True, due_on__lt=today)
        .values_list("assigned_to_id")
        .annotate(n=Count("id"))
    ):
        rows[worker_id].overdue += n

    # Goals moving up: the latest score (GAS level, or the client's 0–10 rating) is above the
    # first one within the period.
    first_last: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for goal_id, day, level in GasFollowUp.objects.filter(
        goal__client_id__in=client_ids, scored_on__gte=since
    ).values_list("goal_id", "scored_on", "level"):
        first_last[goal_id].append((day, float(level) * 10 / 4 + 5))  # −2…+2 → 0…10
    for goal_id, day, rating in CheckIn.objects.filter(
        client_id__in=client_ids, checked_on__gte=since, client_rating__isnull=False
    ).values_list("goal_id", "checked_on", "client_rating"):
        first_last[goal_id].append((day, float(rating or 0)))
    moving: dict[int, tuple[int, int]] = {}
    for goal_id, scores in first_last.items():
        scores.sort()
        if len(scores) >= 2 and scores[-1][1] > scores[0][1]:
            moving[goal_id] = (round(scores[0][1]), round(scores[-1][1]))
    goals = list(
        Goal.objects.filter(pk__in=list(moving))
        .select_related("client")
        .prefetch_related("strengths")
    )
    strengths: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for goal in goals:
        for factor in goal.strengths.all():
            key = fold(factor.description)
            labels.setdefault(key, factor.description)
            strengths[key] += 1
    services: list[dict[str, Any]] = [
        dict(row)
        for row in Referral.objects.filter(client_id__in=client_ids, helpful__isnull=False)
        .values("service_id", "service__name")
        .annotate(mean=Avg("helpful"), n=Count("id"), helped=Count("id", filter=Q(helpful__gte=4)))
        .order_by("-mean", "-n", "service__name")[:8]
    ]
    return Team(
        workers=list(rows.values()),
        approvals=[t for t in derived if t.kind == rules.APPROVAL],
        moving_up=[(g, *moving[g.pk]) for g in sorted(goals, key=lambda g: g.client.display_name)][
            :12
        ],
        goals_checked=len(first_last),
        strengths=[(labels[k], n) for k, n in strengths.most_common(8)],
        services=services,
        since=since,
    )
