"""The rest of the plan in the API (issue 13, part 2): steps, the worker's signature and the
supervisor's review — the same services as the plan page, the same answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from strengthwise.audit.models import AuditEvent
from strengthwise.plans.models import Goal, Step


def _plan_with_goal(personas, api):
    alice = api(personas.alice)
    assert alice.post(f"/api/v1/clients/{personas.dana.pk}/plans", {}).status_code == 201
    goal = alice.post(
        "/api/v1/goals",
        {"client_id": personas.dana.pk, "statement": "A home", "domain": "daily_living"},
    ).json()
    return alice, goal


def test_steps_are_added_and_marked_done(personas, api):
    alice, goal = _plan_with_goal(personas, api)
    soon = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = alice.post(
        f"/api/v1/goals/{goal['id']}/steps",
        {"text": "Call the landlord", "who": "client", "target_date": soon},
    )
    assert response.status_code == 201, response.content
    step = response.json()
    assert (step["who"], step["target_date"], step["done_on"]) == ("client", soon, None)
    # A support or agency is named; the service says so on the field.
    unnamed = alice.post(f"/api/v1/goals/{goal['id']}/steps", {"text": "Lift", "who": "support"})
    assert unnamed.status_code == 400 and "who_name" in unnamed.json()["errors"]
    done = alice.post(f"/api/v1/steps/{step['id']}/done", {})
    assert done.status_code == 200 and done.json()["done_on"] == timezone.localdate().isoformat()
    undone = alice.post(f"/api/v1/steps/{step['id']}/done", {"done": False})
    assert undone.json()["done_on"] is None
    assert Step.objects.get(pk=step["id"]).done_on is None
    assert AuditEvent.objects.filter(action="step.done", client_id=personas.dana.pk).exists()


def test_the_worker_signs_and_a_supervisor_reviews(personas, api):
    alice, _goal = _plan_with_goal(personas, api)
    dana = personas.dana.pk
    agreed = alice.post(
        f"/api/v1/clients/{dana}/plan/agreement",
        {"method": "typed", "signed_name": "Dana Whitfield"},
    )
    assert agreed.status_code == 201, agreed.content
    signed = alice.post(f"/api/v1/clients/{dana}/plan/worker-signature", {})
    assert signed.status_code == 200, signed.content
    # alice is not her own supervisor: the service refuses her review.
    assert alice.post(f"/api/v1/clients/{dana}/plan/review", {"approve": True}).status_code in (
        400,
        403,
    )
    bob = api(personas.bob)
    returned = bob.post(f"/api/v1/clients/{dana}/plan/review", {"approve": False})
    assert returned.status_code == 400  # returning needs a comment
    approved = bob.post(f"/api/v1/clients/{dana}/plan/review", {"approve": True})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "active"


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_cannot_add_steps_or_sign(personas, api, who):
    _alice, goal = _plan_with_goal(personas, api)
    step = Step.objects.create(
        agency_id=personas.dana.agency_id, goal=Goal.objects.get(pk=goal["id"]), text="x"
    )
    other = api(getattr(personas, who))
    assert other.post(f"/api/v1/goals/{goal['id']}/steps", {"text": "y"}).status_code == 404
    assert other.post(f"/api/v1/steps/{step.pk}/done", {}).status_code == 404
    dana = personas.dana.pk
    assert other.post(f"/api/v1/clients/{dana}/plan/worker-signature", {}).status_code == 404
    assert other.post(f"/api/v1/clients/{dana}/plan/review", {"approve": True}).status_code == 404
    assert Step.objects.get(pk=step.pk).done_on is None


def test_options_are_weighed_chosen_and_made_a_goal(personas, api):
    alice, _goal = _plan_with_goal(personas, api)
    dana = personas.dana.pk
    created = alice.post(
        f"/api/v1/clients/{dana}/plan/option-sets",
        {
            "problem": "Where to live next",
            "options": [
                {"text": "Stay with my sister", "pros": "Free", "pros_verbatim": True},
                {"text": "A flat near the school", "cons": "The deposit"},
            ],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert [o["text"] for o in body["options"]] == ["Stay with my sister", "A flat near the school"]
    assert body["options"][0]["pros_verbatim"] is True and body["chosen_id"] is None
    flat = body["options"][1]["id"]
    chosen = alice.post(f"/api/v1/option-sets/{body['id']}/choice", {"option_id": flat})
    assert chosen.status_code == 200 and chosen.json()["chosen_id"] == flat
    # An option of another decision is not one of these.
    assert (
        alice.post(f"/api/v1/option-sets/{body['id']}/choice", {"option_id": 999999}).status_code
        == 404
    )
    goal = alice.post(f"/api/v1/option-sets/{body['id']}/goal", {"domain": "daily_living"})
    assert goal.status_code == 201, goal.content
    assert (goal.json()["statement"], goal.json()["author"]) == ("A flat near the school", "client")
    empty = alice.post(f"/api/v1/clients/{dana}/plan/option-sets", {"problem": "x", "options": []})
    assert empty.status_code == 422


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_cannot_weigh_options(personas, api, who):
    alice, _goal = _plan_with_goal(personas, api)
    dana = personas.dana.pk
    made = alice.post(
        f"/api/v1/clients/{dana}/plan/option-sets",
        {"problem": "Where to live", "options": [{"text": "Stay"}]},
    ).json()
    other = api(getattr(personas, who))
    assert (
        other.post(
            f"/api/v1/clients/{dana}/plan/option-sets",
            {"problem": "x", "options": [{"text": "y"}]},
        ).status_code
        == 404
    )
    option = made["options"][0]["id"]
    assert (
        other.post(f"/api/v1/option-sets/{made['id']}/choice", {"option_id": option}).status_code
        == 404
    )
    assert (
        other.post(f"/api/v1/option-sets/{made['id']}/goal", {"domain": "health"}).status_code
        == 404
    )
