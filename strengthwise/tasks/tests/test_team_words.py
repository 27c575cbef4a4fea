"""The team view's "what is working" quotes goals and strengths — clients' words, so client
data: a supervisor reads them only for clients they may see (issue 10, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from strengthwise.accounts.models import Membership, Role, User
from strengthwise.assessments.models import Factor
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import GasFollowUp, Goal

pytestmark = pytest.mark.django_db


def moving_up(worker, client, goal_text, strength_text):
    """A goal of `client` whose GAS level rose within the last weeks, carried by a strength."""
    plan = plan_services.plan_start(acting_user=worker, client=client)
    goal = Goal.objects.create(
        agency=client.agency,
        client=client,
        plan=plan,
        statement=goal_text,
        author="client",
        domain="daily_living",
        recorded_by=worker,
    )
    strength = Factor.objects.create(
        agency=client.agency,
        client=client,
        description=strength_text,
        level="micro",
        valence="strength",
        domain="daily_living",
        recorded_by=worker,
    )
    goal.strengths.add(strength)
    today = timezone.localdate()
    for days_ago, level in ((30, -1), (5, 1)):
        GasFollowUp.objects.create(
            agency=client.agency,
            goal=goal,
            scored_on=today - dt.timedelta(days=days_ago),
            level=level,
            scored_by="client",
            recorded_by=worker,
        )
    return goal


@pytest.fixture
def two_teams(personas):
    moving_up(
        personas.alice,
        personas.dana,
        "Move into a flat near Jayden's school",
        "Keeps every receipt",
    )
    moving_up(
        personas.carol,
        personas.carol_client,
        "Finish the night-school course",
        "Her aunt drives her on Tuesdays",
    )
    sam = User.objects.create_user(
        username="sam", agency=personas.river_city, role=Role.SUPERVISOR, display_name="Sam"
    )
    Membership.objects.create(
        agency=personas.river_city,
        user=sam,
        team=personas.carol_client.team,
        kind=Membership.Kind.SUPERVISOR,
    )
    return personas, sam


def test_a_supervisor_reads_goals_and_strengths_of_their_own_teams_only(two_teams, web):
    personas, sam = two_teams
    family = web(sam).get(reverse("tasks:team")).content.decode()
    assert "Finish the night-school course" in family and "Her aunt drives her" in family
    assert "Move into a flat" not in family and "Keeps every receipt" not in family
    # bob supervises both teams, and may see both clients.
    both = web(personas.bob).get(reverse("tasks:team")).content.decode()
    assert "Finish the night-school course" in both and "Move into a flat" in both
    assert "Keeps every receipt" in both


def test_no_one_else_reaches_the_team_view(two_teams, web):
    personas, _sam = two_teams
    for user in (personas.alice, personas.carol, personas.priya, personas.admin):
        response = web(user).get(reverse("tasks:team"))
        assert response.status_code == 404
        assert "Move into a flat" not in response.content.decode()
