"""Reads for the worker's day and the supervisor's team view."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.access import client_scope_q, team_ids_for
from strengthwise.accounts.models import Membership, Role, User
from strengthwise.audit.models import AuditEvent
from strengthwise.audit.services import CLIENT_IN_PORTAL
from strengthwise.core.text import fold
from strengthwise.notes.models import CheckIn
from strengthwise.people.models import Client
from strengthwise.plans.models import GasFollowUp, Goal
from strengthwise.referrals.models import Referral

from . import due, rules
from .models import ClientDue, DueItem, Task

ATTENTION_LIMIT = 12
# A group of the day shows this many tasks; "show all" opens the whole group on its own, so a
# supervisor's day is a page, not thousands of rows (issue 11: /today/ was 4.77 MB).
GROUP_LIMIT = 20
APPROVALS_LIMIT = 20  # the team view lists this many plans waiting, and says how many more


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
    clients: list[int] = field(default_factory=list)  # whose names the page shows
    # What clients did themselves in the portal lately (from_the_portal).
    portal: list[Any] = field(default_factory=list)


# What a client did for themselves in the portal, as the worker reads it on the day's page.
FROM_THE_PORTAL: dict[str, Any] = {
    "goal.updated": _("rewrote a goal in their own words"),
    "plan.client_agreed": _("agreed to their plan"),
    "consent.revoked": _("withdrew a consent"),
    "step.done": _("marked a step done"),
    "referral.rated": _("said whether a referral helped"),
    "portal.account_set_up": _("set up their portal sign-in"),
    "checkin.recorded": _("checked in on a goal"),
    "consent.given": _("agreed to a consent you asked for"),
    "consent.refused": _("said no to a consent you asked for"),
    "motivation.recorded": _("rewrote their dream in their own words"),
    "strengths_assessment.revised": _("rewrote what matters most to them"),
    "closure.what_helped_reworded": _("rewrote what helped them"),
    "portal.message_from_client": _("sent you a message"),
}
PORTAL_DAYS = 14
PORTAL_LIMIT = 20


@dataclass(frozen=True)
class PortalNews:
    client_id: int
    name: str
    what: str
    at: Any
    message: str = ""
    action: str = ""


def from_the_portal(user: User, *, only: str | None = None) -> list[PortalNews]:
    """What the user's clients did themselves in the portal in the last PORTAL_DAYS, newest
    first (one query, read from the audit trail's per-client index)."""
    since = timezone.now() - dt.timedelta(days=PORTAL_DAYS)
    names = Client.objects.filter(pk=OuterRef("client_id"))
    rows = (
        AuditEvent.objects.filter(
            client_id__in=Client.objects.filter(client_scope_q(user, only=only)).values("pk"),
            at__gte=since,
            actor_id__isnull=True,
            actor_label__endswith=CLIENT_IN_PORTAL,
            action__in=list(FROM_THE_PORTAL),
        )
        .annotate(
            first=Subquery(names.values("legal_first_name")[:1]),
            preferred=Subquery(names.values("preferred_name")[:1]),
            last=Subquery(names.values("legal_last_name")[:1]),
        )
        .order_by("-at", "-seq")
        .values("client_id", "action", "at", "changes", "first", "preferred", "last")[:PORTAL_LIMIT]
    )
    return [
        PortalNews(
            client_id=int(r["client_id"] or 0),
            name=Client(
                legal_first_name=r["first"] or "",
                preferred_name=r["preferred"] or "",
                legal_last_name=r["last"] or "",
            ).display_name,
            what=str(FROM_THE_PORTAL[r["action"]]),
            at=r["at"],
            action=r["action"],
            # A check-in's message to the worker, in the client's words.
            message=str((r["changes"] or {}).get("comment", [None, ""])[1] or "")
            if r["action"] == "checkin.recorded"
            else "",
        )
        for r in rows
    ]


def caseload_choices(*, visible_to: User, limit: int = 500) -> list[tuple[int, str]]:
    """The user's own caseload as (id, name), for choosing whom a new task is about."""
    rows = (
        Client.objects.filter(client_scope_q(visible_to, only="mine"))
        .order_by("legal_last_name", "legal_first_name")
        .only("pk", "legal_first_name", "legal_last_name", "preferred_name")[:limit]
    )  # the names only: no sealed column (birth date, address) opened for each client
    return [(c.pk, c.display_name) for c in rows]


def manual_tasks(user: User) -> list[Task]:
    """The user's open tasks — only those about no one in particular or about a client the
    user may still see (after a transfer or a merge the others drop out of sight)."""
    return list(open_manual(user).select_related("client"))


def _bucket_case(today: dt.date) -> Case:
    """overdue | today | soon, in SQL."""
    return Case(
        When(due_on__lt=today, then=Value("overdue")),
        When(due_on=today, then=Value("today")),
        default=Value("soon"),
        output_field=CharField(),
    )


def _bucket_q(bucket: str, today: dt.date) -> Q:
    return {"overdue": Q(due_on__lt=today), "today": Q(due_on=today)}.get(
        bucket, Q(due_on__gt=today)
    )


def _day_scope(user: User) -> tuple[str, bool]:
    supervisor = user.role == Role.SUPERVISOR
    return ("teams" if supervisor else "mine"), supervisor


def open_manual(user: User) -> QuerySet[Task]:
    return Task.objects.filter(assigned_to=user, done_at__isnull=True).filter(
        Q(client__isnull=True) | client_scope_q(user, "client__")
    )


def day_for(user: User, *, today: dt.date | None = None, whole: str = "") -> Day:
    """The user's tasks in three buckets (overdue, today, this week), each grouped by kind in
    the order a worker would act on them, and the clients who need attention. Each group shows
    its first GROUP_LIMIT tasks, except the group named by `whole` ("<bucket>:<kind>").

    Read from the maintained table (tasks/due.py): counted in SQL, only the shown tasks are
    built — the same queries whatever the size of the caseload. `Day.clients` lists the ids of
    the clients the page shows (for the audit of reads)."""
    today = today or timezone.localdate()
    only, supervisor = _day_scope(user)
    due.ensure_fresh(user, only=only)
    scope = due.items_q(user, only=only, today=today, approvals=supervisor)
    bucket = _bucket_case(today)
    totals: dict[tuple[str, str], int] = {
        (b, k): n
        for b, k, n in DueItem.objects.filter(scope)
        .annotate(bucket=bucket)
        .values_list("bucket", "kind")
        .annotate(n=Count("id"))
        .values_list("bucket", "kind", "n")
    }
    shown: dict[tuple[str, str], list[Any]] = defaultdict(list)
    # Rank on the item table alone, then join what the titles need for the shown rows only.
    first = (
        DueItem.objects.filter(scope)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[bucket, F("kind")],
                order_by=[F("due_on").asc(), F("sort_name").asc(), F("id").asc()],
            ),
        )
        .filter(rank__lte=GROUP_LIMIT)
        .values_list("id", flat=True)
    )
    # The shown ids as values, not as a subquery: PostgreSQL estimated the ranked subquery at
    # one row and joined every item of the agency to the title tables before filtering (0.8 s
    # at 100,000 clients); with the ids it reads those rows by key.
    ranked = (
        rules.item_rows()
        .filter(pk__in=list(first))
        .annotate(bucket=bucket)
        .order_by("due_on", "sort_name", "id")
    )
    urls = rules.Urls()
    for item in ranked:
        shown[(item["bucket"], item["kind"])].append(rules.from_item(item, urls))
    whole_bucket, _sep, whole_kind = whole.partition(":")
    if whole_kind in rules.KINDS and totals.get((whole_bucket, whole_kind), 0) > GROUP_LIMIT:
        shown[(whole_bucket, whole_kind)] = [
            rules.from_item(i, urls)
            for i in rules.item_rows()
            .filter(scope, _bucket_q(whole_bucket, today), kind=whole_kind)
            .order_by("due_on", "sort_name", "id")
        ]
    # Manual tasks: the user's own, however far ahead.
    manual = open_manual(user)
    manual_bucket = _bucket_case(today)
    for b, n in (
        manual.annotate(bucket=manual_bucket)
        .values_list("bucket")
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    ):
        totals[(b, "manual")] = n
    for task in (
        manual.select_related("client")
        .annotate(
            bucket=manual_bucket,
            rank=Window(
                RowNumber(),
                partition_by=[manual_bucket],
                order_by=[F("due_on").asc(), F("id").asc()],
            ),
        )
        .filter(rank__lte=GROUP_LIMIT)
        .order_by("due_on", "id")
    ):
        shown[(task.bucket, "manual")].append(task)
    if whole_kind == "manual" and totals.get((whole_bucket, "manual"), 0) > GROUP_LIMIT:
        shown[(whole_bucket, "manual")] = list(
            manual.filter(_bucket_q(whole_bucket, today))
            .select_related("client")
            .order_by("due_on", "id")
        )

    labels = rules.kind_labels()
    order = list(labels)
    day = Day()
    for key in ("overdue", "today", "soon"):
        kinds = sorted(
            (k for b, k in totals if b == key), key=lambda k: order.index(k) if k in order else 99
        )
        day.buckets.append(
            Bucket(
                key=key,
                count=sum(totals[(key, k)] for k in kinds),
                groups=[
                    Group(
                        kind=k,
                        label=labels.get(k, k),
                        tasks=shown[(key, k)],
                        total=totals[(key, k)],
                        key=f"{key}:{k}",
                    )
                    for k in kinds
                ],
            )
        )
    # Who needs attention: the clients with the most reasons first, then the earliest due.
    per_client = (
        DueItem.objects.filter(scope)
        .values("client_id")
        .annotate(n=Count("id"), first=Min("due_on"), name=Min("sort_name"))
    )
    top = list(per_client.order_by("-n", "first", "name", "client_id")[:ATTENTION_LIMIT])
    reasons: dict[int, list[Any]] = {row["client_id"]: [] for row in top}
    if reasons:
        for item in (
            rules.item_rows()
            .filter(scope, client_id__in=list(reasons))
            .order_by("due_on", "sort_name", "kind", "id")
        ):
            reasons[item["client_id"]].append(rules.from_item(item, urls))
        total_clients = DueItem.objects.filter(scope).values("client_id").distinct().count()
    else:
        total_clients = 0
    day.attention = [(pk, items[0].client_name, items) for pk, items in reasons.items() if items]
    day.attention_more = max(0, total_clients - ATTENTION_LIMIT)
    day.portal = from_the_portal(user, only=only)
    day.clients = sorted(
        {pk for pk, _name, _items in day.attention}
        | {news.client_id for news in day.portal}
        | {
            t.client_id
            for bucket_ in day.buckets
            for group in bucket_.groups
            for t in group.tasks
            if t.client_id is not None
        }
    )
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
    approvals_total: int = 0
    clients: list[int] = field(default_factory=list)  # whose names the page shows
    # What clients did themselves in the portal lately (from_the_portal).
    portal: list[Any] = field(default_factory=list)


def team_view(user: User, *, today: dt.date | None = None, days: int = 90) -> Team:
    """Caseload sizes and overdue items per worker of the supervisor's teams, plans waiting for
    approval, and what is working: goals moving up, strengths in those goals, services clients
    rated helpful. A constant number of queries however big the teams are: caseloads and
    overdue items are counted per worker in SQL from the maintained table (tasks/due.py)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=days)
    due.ensure_fresh(user, only="teams")
    in_teams = ClientDue.objects.filter(due.scope_q(user, only="teams"), open=True)
    client_ids = in_teams.values("client_id")
    members = (
        User.objects.filter(
            pk__in=Membership.objects.filter(team_id__in=team_ids_for(user)).values("user_id"),
            is_active=True,
        )
        .exclude(pk=user.pk)
        .order_by("display_name", "username")
    )
    rows = {u.pk: WorkerRow(user=u) for u in members}
    # Counted in SQL, one GROUP BY each: clients carried, overdue derived items, overdue
    # manual tasks.
    # Grouped by COALESCE(worker, 0), not the bare column: SQLite would otherwise walk the
    # (agency, primary_worker, …) index in order over the whole agency to skip a sort, instead
    # of reading only the supervisor's teams through the (agency, team, …) index (60 ms → 1 ms
    # for bob at 20,000 clients).
    worker = Coalesce("primary_worker_id", 0)
    for worker_id, n in (
        in_teams.annotate(worker=worker)
        .values_list("worker")
        .annotate(n=Count("client_id"))
        .values_list("worker", "n")
    ):
        if worker_id in rows:
            rows[worker_id].caseload += n
    overdue_items = DueItem.objects.filter(
        due.items_q(user, only="teams", today=today, approvals=False), due_on__lt=today
    )
    for worker_id, n in (
        overdue_items.annotate(worker=worker)
        .values_list("worker")
        .annotate(n=Count("id"))
        .values_list("worker", "n")
    ):
        if worker_id in rows:
            rows[worker_id].overdue += n
    for worker_id, n in (
        Task.objects.filter(assigned_to_id__in=list(rows), done_at__isnull=True, due_on__lt=today)
        .values_list("assigned_to_id")
        .annotate(n=Count("id"))
    ):
        rows[worker_id].overdue += n
    waiting = DueItem.objects.filter(
        due.items_q(user, only="teams", today=today, approvals=True), kind=rules.APPROVAL
    )
    urls = rules.Urls()
    # Ordered and cut on the item table alone, then the titles joined for those ids as values:
    # as a subquery, PostgreSQL spent ~10 ms planning the eleven-table join (0.5 ms to run).
    shown = list(
        waiting.order_by("due_on", "sort_name", "id").values_list("id", flat=True)[:APPROVALS_LIMIT]
    )
    approvals = [  # (no ids: Django answers an empty list without a query)
        rules.from_item(i, urls)
        for i in rules.item_rows().filter(pk__in=shown).order_by("due_on", "sort_name", "id")
    ]
    approvals_total = len(approvals) if len(approvals) < APPROVALS_LIMIT else waiting.count()

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
    # Only the 12 goals shown are built; the strengths of all of them are counted from plain
    # rows (a large team has hundreds of goals moving up).
    named = sorted(
        (
            rules.display_name(
                SimpleNamespace(preferred_name=p, legal_first_name=f, legal_last_name=la)
            ),
            goal_id,
        )
        for goal_id, p, f, la in Goal.objects.filter(pk__in=list(moving)).values_list(
            "pk", "client__preferred_name", "client__legal_first_name", "client__legal_last_name"
        )
    )
    shown_ids = [goal_id for _name, goal_id in named[:12]]
    by_pk = Goal.objects.select_related("client").in_bulk(shown_ids)
    goals = [by_pk[pk] for pk in shown_ids if pk in by_pk]
    strengths: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for description in Goal.strengths.through.objects.filter(goal_id__in=list(moving)).values_list(
        "factor__description", flat=True
    ):
        key = fold(description)
        labels.setdefault(key, description)
        strengths[key] += 1
    services: list[dict[str, Any]] = [
        dict(row)
        for row in Referral.objects.filter(client_id__in=client_ids, helpful__isnull=False)
        .values("service_id", "service__name")
        .annotate(mean=Avg("helpful"), n=Count("id"), helped=Count("id", filter=Q(helpful__gte=4)))
        .order_by("-mean", "-n", "service__name")[:8]
    ]
    moving_up = [(g, *moving[g.pk]) for g in goals]
    return Team(
        workers=list(rows.values()),
        approvals=approvals,
        approvals_total=approvals_total,
        moving_up=moving_up,
        clients=sorted(
            {t.client_id for t in approvals if t.client_id} | {g.client_id for g, *_r in moving_up}
        ),
        goals_checked=len(first_last),
        strengths=[(labels[k], n) for k, n in strengths.most_common(8)],
        services=services,
        since=since,
    )


API_LIMIT = 100
API_MAX_LIMIT = 500


def parse_after(after: str) -> tuple[dt.date, int, int] | None:
    """A `task_page` cursor "YYYY-MM-DD.S.ID" (S: 0 derived, 1 manual); None if malformed."""
    try:
        day, source, pk = after.split(".")
        parsed = (dt.date.fromisoformat(day), int(source), int(pk))
    except ValueError:
        return None
    return parsed if parsed[1] in (0, 1) and 0 <= parsed[2] < 2**63 else None


def task_page(
    user: User,
    *,
    limit: int = API_LIMIT,
    after: tuple[dt.date, int, int] | None = None,
    today: dt.date | None = None,
) -> tuple[list[Any], str]:
    """The tasks of the user's day (the same set as `day_for`, every group whole), ordered by
    due date, derived before manual, then id; `limit` of them after the cursor `after`.
    Returns the tasks and the cursor of the next page ("" on the last). Keyset: four queries
    per page whatever the caseload."""
    today = today or timezone.localdate()
    only, supervisor = _day_scope(user)
    due.ensure_fresh(user, only=only)
    derived_after, manual_after = Q(), Q()
    if after is not None:
        day, source, pk = after
        later = Q(due_on__gt=day)
        if source == 0:  # derived come first on a day: the rest of them, then every manual
            derived_after, manual_after = later | Q(due_on=day, pk__gt=pk), later | Q(due_on=day)
        else:
            derived_after, manual_after = later, later | Q(due_on=day, pk__gt=pk)
    items = (
        rules.item_rows()
        .filter(due.items_q(user, only=only, today=today, approvals=supervisor))
        .filter(derived_after)
        .order_by("due_on", "id")[: limit + 1]
    )
    manual = (
        open_manual(user).filter(manual_after).select_related("client").order_by("due_on", "id")
    )[: limit + 1]
    urls = rules.Urls()
    merged = sorted(
        [(i["due_on"], 0, i["id"], rules.from_item(i, urls)) for i in items]
        + [(t.due_on, 1, t.pk, t) for t in manual],
        key=lambda row: row[:3],
    )
    page = merged[:limit]
    cursor = ""
    if len(merged) > limit and page:
        day, source, pk, _task = page[-1]
        cursor = f"{day.isoformat()}.{source}.{pk}"
    return [row[3] for row in page], cursor
