"""Benchmark scenarios for `strengthwise bench`: the day, the team view and the tasks API of
the busiest people (the notes and scale apps time alice's, bob's and the seeded users' pages).
"""

from __future__ import annotations

from django.db.models import Count

from strengthwise.accounts.models import Membership, Role, User
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client


def scenarios() -> list[Scenario]:
    found: list[Scenario] = []
    busiest_worker = (
        Client.objects.filter(primary_worker__role=Role.WORKER, merged_into__isnull=True)
        .values("primary_worker_id")
        .annotate(n=Count("id"))
        .order_by("-n", "primary_worker_id")
        .first()
    )
    if busiest_worker is not None:
        worker = User.objects.get(pk=busiest_worker["primary_worker_id"])
        found.append(Scenario("tasks: busiest worker: API tasks", "/api/v1/tasks", worker, True))
    by_team = dict(
        Client.objects.filter(merged_into__isnull=True)
        .values_list("team_id")
        .annotate(n=Count("id"))
        .values_list("team_id", "n")
    )
    load: dict[int, int] = {}
    for user_id, team_id in Membership.objects.filter(
        user__role=Role.SUPERVISOR, user__is_active=True
    ).values_list("user_id", "team_id"):
        load[user_id] = load.get(user_id, 0) + by_team.get(team_id, 0)
    if load:
        supervisor = User.objects.get(pk=max(load, key=lambda pk: (load[pk], -pk)))
        found += [
            Scenario("tasks: busiest supervisor: today", "/today/", supervisor),
            Scenario("tasks: busiest supervisor: team view", "/team/", supervisor),
            Scenario("tasks: busiest supervisor: API tasks", "/api/v1/tasks", supervisor, True),
        ]
    bob = User.objects.filter(username="bob").first()
    if bob is not None:
        found.append(Scenario("tasks: bob: today", "/today/", bob))
    return found
