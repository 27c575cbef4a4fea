"""Test helpers for people: make extra clients quickly (through the same derived-field code)."""

from __future__ import annotations

import datetime as dt

from strengthwise.people.models import Client, Episode, HouseholdMember
from strengthwise.people.services import client_refresh_search_fields


def add_clients(personas, count: int, *, worker=None, team=None, start: int = 0) -> list[Client]:
    worker = worker or personas.alice
    team = team or personas.housing
    made = []
    for i in range(start, start + count):
        client = Client(
            agency=personas.river_city,
            team=team,
            primary_worker=worker,
            legal_first_name=f"Person{i}",
            legal_last_name=f"Testcase{i:04d}",
            date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=i),
        )
        client_refresh_search_fields(client)
        client.save()
        Episode.objects.create(
            agency=personas.river_city,
            client=client,
            program=team.program,
            opened_on=dt.date(2026, 1, 1),
        )
        HouseholdMember.objects.create(
            agency=personas.river_city, client=client, name=f"Kid {i}", relationship="child"
        )
        made.append(client)
    return made


def add_worker(personas, username: str, *teams, role: str = "worker", kind: str = "member"):
    """A staff member of River City on `teams` (a member, or with kind="supervisor")."""
    from strengthwise.accounts.models import Membership, User

    user = User.objects.create(
        username=username,
        agency=personas.river_city,
        role=role,
        display_name=username.capitalize(),
    )
    for team in teams:
        Membership.objects.create(agency=personas.river_city, user=user, team=team, kind=kind)
    return user
