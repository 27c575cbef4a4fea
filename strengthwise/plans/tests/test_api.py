"""/api/v1/clients/{id}/plans and /api/v1/goals: same access, audit, version checks."""

from __future__ import annotations

import pytest

from strengthwise.audit.models import AuditEvent
from strengthwise.plans.models import GasFollowUp, Goal, Plan


def test_read_plans_with_goals_voice_t_scores_and_history(planned, api):
    body = api(planned.alice).get(f"/api/v1/clients/{planned.dana.pk}/plans").json()
    plan = body[0]
    assert plan["status"] == "active" and plan["number"] == 2
    assert plan["client_voice"] == {"client_authored": 2, "total": 2, "share": 1.0}
    assert plan["goals"][0]["statement"] == "Move into an apartment Jayden and I can stay in"
    assert plan["goals"][0]["steps"][0]["who"] == "client"
    assert [p["t"] for p in plan["t_scores"]["client"]][-1] == 50.0
    assert [e["kind"] for e in plan["history"]][-1] == "approved"
    assert AuditEvent.objects.filter(action="plan.viewed", client_id=planned.dana.pk).exists()


def test_start_a_plan_and_add_a_goal(personas, api):
    client = api(personas.alice)
    assert client.post(f"/api/v1/clients/{personas.dana.pk}/plans", {}).status_code == 201
    assert (
        client.post(f"/api/v1/clients/{personas.dana.pk}/plans", {}).status_code == 400
    )  # one per episode
    response = client.post(
        "/api/v1/goals",
        {"client_id": personas.dana.pk, "statement": "A home", "domain": "daily_living"},
    )
    assert response.status_code == 201 and response.json()["author"] == "client"
    assert (
        client.post(
            "/api/v1/goals",
            {"client_id": personas.dana.pk, "statement": "x", "domain": "astrology"},
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/goals",
            {"client_id": personas.dana.pk, "statement": "x" * 600, "domain": "health"},
        ).status_code
        == 422
    )


def test_patch_with_version_check_shows_both_texts(planned, api):
    goal = Goal.objects.filter(client=planned.dana).first()
    client = api(planned.alice)
    ok = client.patch(
        f"/api/v1/goals/{goal.pk}",
        {"version": goal.version, "worker_view": "Look at the voucher list first"},
    )
    assert ok.status_code == 200 and ok.json()["version"] == goal.version + 1
    stale = client.patch(
        f"/api/v1/goals/{goal.pk}", {"version": goal.version, "statement": "Other words"}
    )
    assert stale.status_code == 409
    assert (
        stale.json()["current"]["statement"] == goal.statement
        and stale.json()["attempted"]["statement"] == "Other words"
    )
    assert client.patch(f"/api/v1/goals/{goal.pk}", {"statement": "no version"}).status_code == 422


def test_follow_ups(planned, api):
    goal = Goal.objects.filter(client=planned.dana).first()
    client = api(planned.alice)
    before = GasFollowUp.objects.count()
    assert (
        client.post(
            f"/api/v1/goals/{goal.pk}/followups", {"level": 1, "scored_by": "client"}
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/goals/{goal.pk}/followups", {"level": 3, "scored_by": "client"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/goals/{goal.pk}/followups", {"level": 1, "scored_by": "the cat"}
        ).status_code
        == 422
    )
    assert GasFollowUp.objects.count() == before + 1


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_get_404_and_change_nothing(planned, api, who):
    goal = Goal.objects.filter(client=planned.dana).first()
    client = api(getattr(planned, who))
    assert client.get(f"/api/v1/clients/{planned.dana.pk}/plans").status_code == 404
    assert client.post(f"/api/v1/clients/{planned.dana.pk}/plans", {}).status_code == 404
    assert client.get(f"/api/v1/goals/{goal.pk}").status_code == 404
    assert (
        client.patch(
            f"/api/v1/goals/{goal.pk}", {"version": goal.version, "statement": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/goals/{goal.pk}/followups", {"level": 1, "scored_by": "client"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/goals", {"client_id": planned.dana.pk, "statement": "x", "domain": "health"}
        ).status_code
        == 404
    )
    assert Goal.objects.get(pk=goal.pk).statement == goal.statement
    assert Plan.objects.filter(client=planned.dana).count() == 1


def test_malformed_ids_are_404(personas, api):
    assert api(personas.alice).get("/api/v1/goals/abc").status_code == 404
