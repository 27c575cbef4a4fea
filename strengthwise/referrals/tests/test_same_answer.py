"""The page and the API give the same answer to the same input (issue 13): a goal or step id
that is not the client's is refused on its field by the one service, never silently dropped
and never a bare 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from strengthwise.plans import services as plan_services
from strengthwise.referrals.models import Referral, ServiceDelivery

pytestmark = pytest.mark.django_db


def _goal_of(personas, client, statement="Find steady work"):
    plan = plan_services.plan_start(acting_user=personas.alice, client=client)
    return plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": statement, "author": "client", "domain": "financial"},
    )


@pytest.fixture
def rosas_goal(personas):
    return _goal_of(personas, personas.rosa, "Rosa's own goal")


@pytest.mark.parametrize("field", ["goal", "step"])
def test_a_goal_or_step_of_someone_else_is_refused_alike(
    personas, workshop, rosas_goal, web, api, field
):
    dana = personas.dana
    other = rosas_goal.pk if field == "goal" else _step_of(personas, rosas_goal).pk
    for wanted in [other, 99_999_999]:
        page = web(personas.alice).post(
            reverse("referrals:referral-new", args=[dana.pk]),
            {
                "service": workshop.pk,
                "purpose": "referral",
                "information": ["contact"],
                field: wanted,
            },
        )
        assert page.status_code == 400
        assert field in page.context["form"].errors
        answer = api(personas.alice).post(
            f"/api/v1/clients/{dana.pk}/referrals",
            {
                "service_id": str(workshop.pk),
                "information": ["contact"],
                "send": False,
                f"{field}_id": wanted,
            },
        )
        assert answer.status_code == 400, answer.json()
        assert answer.json()["errors"][field] == page.context["form"].errors[field]
    assert not Referral.objects.exists()


def _step_of(personas, goal):
    return plan_services.step_add(
        acting_user=personas.alice, goal=goal, fields={"text": "Call the job centre"}
    )


def test_the_clients_own_goal_links_from_page_and_api(personas, workshop, web, api):
    dana = personas.dana
    goal = _goal_of(personas, dana)
    page = web(personas.alice).post(
        reverse("referrals:referral-new", args=[dana.pk]),
        {
            "service": workshop.pk,
            "purpose": "referral",
            "information": ["contact"],
            "goal": goal.pk,
        },
    )
    assert page.status_code == 302
    answer = api(personas.alice).post(
        f"/api/v1/clients/{dana.pk}/referrals",
        {
            "service_id": str(workshop.pk),
            "information": ["contact"],
            "send": False,
            "goal_id": goal.pk,
        },
    )
    assert answer.status_code == 201
    assert [r.goal_id for r in Referral.objects.order_by("id")] == [goal.pk, goal.pk]


def test_a_delivery_toward_someone_elses_goal_is_not_recorded(personas, rosas_goal, web):
    response = web(personas.alice).post(
        reverse("referrals:delivery-add", args=[personas.dana.pk]),
        {
            "what": "Bus pass",
            "delivered_on": timezone.localdate().isoformat(),
            "units": "1",
            "unit": "items",
            "goal": rosas_goal.pk,
        },
        follow=True,
    )
    assert "Choose one of this person" in response.content.decode()
    assert not ServiceDelivery.objects.exists()
