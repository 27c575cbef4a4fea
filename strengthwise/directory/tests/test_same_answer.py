"""Find help for a client and their goal: one selector decides for the page and the API
(issue 13), and saving a service for a goal looks the goal up among the client's own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from strengthwise.audit.models import AuditEvent
from strengthwise.directory.models import SavedService
from strengthwise.directory.testing import make_service
from strengthwise.plans import services as plan_services

pytestmark = pytest.mark.django_db


def _goal(personas, client, statement):
    plan = plan_services.plan_start(acting_user=personas.alice, client=client)
    return plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": statement, "author": "client", "domain": "financial"},
    )


@pytest.fixture
def goals(personas):
    return {
        "dana": _goal(personas, personas.dana, "Have a budget that works"),
        "rosa": _goal(personas, personas.rosa, "Rosa's own goal"),
    }


def test_a_goal_of_another_client_is_404_on_page_and_api(personas, goals, web, api):
    dana = personas.dana
    page = web(personas.alice).get(
        reverse("directory:find-for-client", args=[dana.pk]), {"goal": goals["rosa"].pk}
    )
    answer = api(personas.alice).get(
        "/api/v1/directory/services", data={"client": dana.pk, "goal": goals["rosa"].pk}
    )
    assert (page.status_code, answer.status_code) == (404, 404)
    assert not AuditEvent.objects.filter(action="directory.searched_for_client").exists()


def test_page_and_api_record_the_same_search(personas, goals, web, api):
    dana, goal = personas.dana, goals["dana"]
    web(personas.alice).get(reverse("directory:find-for-client", args=[dana.pk]), {"goal": goal.pk})
    api(personas.alice).get("/api/v1/directory/services", data={"goal": goal.pk})
    events = AuditEvent.objects.filter(action="directory.searched_for_client").order_by("seq")
    assert [(e.client_id, e.changes) for e in events] == [
        (dana.pk, {"goal": [None, goal.pk]}),
        (dana.pk, {"goal": [None, goal.pk]}),
    ]


def test_saving_for_someone_elses_goal_says_why_and_saves_nothing(personas, goals, web):
    service = make_service("Budget coaching", term="Financial literacy", domains=("financial",))
    response = web(personas.alice).post(
        reverse("directory:saved-add", args=[personas.dana.pk]),
        {"service": str(service.pk), "goal": goals["rosa"].pk},
        follow=True,
    )
    assert "Choose one of this person" in response.content.decode()
    assert not SavedService.objects.exists()
    web(personas.alice).post(
        reverse("directory:saved-add", args=[personas.dana.pk]),
        {"service": str(service.pk), "goal": goals["dana"].pk},
    )
    assert SavedService.objects.get().goal_id == goals["dana"].pk
