"""The page and the API link a goal to the client's strengths, supports and concern alike
(issue 13): the one service looks each id up among the client's own and refuses an unknown
one on its field — the API could not link them at all before, the page dropped them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from strengthwise.assessments import services as assessment_services
from strengthwise.plans import services
from strengthwise.plans.models import Goal, Plan

pytestmark = pytest.mark.django_db


def _strength(personas, client, words, *, active=True):
    factor = assessment_services.factor_add(
        acting_user=personas.alice,
        client=client,
        fields={"description": words, "level": "micro", "valence": "strength", "domain": "leisure"},
    )
    if not active:
        assessment_services.factor_set_aside(acting_user=personas.alice, factor=factor)
    return factor


def _tie(personas, client, label, quality="positive"):
    return assessment_services.ecomap_node_add(
        acting_user=personas.alice,
        client=client,
        fields={
            "label": label,
            "kind": "family",
            "level": "micro",
            "strength": "strong",
            "quality": quality,
            "flow": "both",
        },
    )


@pytest.fixture
def links(personas):
    dana, rosa = personas.dana, personas.rosa
    services.plan_start(acting_user=personas.alice, client=dana)
    return {
        "strength": _strength(personas, dana, "Paints at the market"),
        "set_aside": _strength(personas, dana, "Old strength", active=False),
        "rosas_strength": _strength(personas, rosa, "Rosa's own strength"),
        "support": _tie(personas, dana, "Aunt Maya"),
        "stressful": _tie(personas, dana, "Old landlord", quality="stressful"),
        "rosas_support": _tie(personas, rosa, "Rosa's cousin"),
        "concern": assessment_services.concern_add(
            acting_user=personas.alice, client=dana, label="Smoking"
        ),
        "rosas_concern": assessment_services.concern_add(
            acting_user=personas.alice, client=rosa, label="Rosa's concern"
        ),
    }


GOAL = {
    "statement": "Sell my paintings",
    "author": "client",
    "domain": "leisure",
    "status": "active",
}


def _page(web, personas, **links):
    form = {**GOAL, "why_it_matters_author": "client", **links}
    return web(personas.alice).post(
        reverse("plans:goal-new", args=[personas.dana.pk]), {k: v for k, v in form.items()}
    )


def _api(api, personas, **links):
    # A new goal is active; the API's body has no status (unknown properties are refused).
    body = {k: v for k, v in GOAL.items() if k != "status"}
    return api(personas.alice).post(
        "/api/v1/goals", {"client_id": personas.dana.pk, **body, **links}
    )


def test_page_and_api_link_the_clients_own(personas, links, web, api):
    page = _page(
        web,
        personas,
        strengths=[links["strength"].pk],
        supports=[links["support"].pk],
        concern=links["concern"].pk,
    )
    assert page.status_code == 302, page.context["form"].errors
    answer = _api(
        api,
        personas,
        strength_ids=[links["strength"].pk],
        support_ids=[links["support"].pk],
        concern_id=links["concern"].pk,
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["strength_ids"] == [links["strength"].pk]
    assert body["support_ids"] == [links["support"].pk]
    assert body["concern_id"] == links["concern"].pk
    for goal in Goal.objects.filter(client=personas.dana):
        assert [f.pk for f in goal.strengths.all()] == [links["strength"].pk]
        assert [n.pk for n in goal.supports.all()] == [links["support"].pk]
        assert goal.concern_id == links["concern"].pk


@pytest.mark.parametrize(
    ("field", "api_field", "which"),
    [
        ("strengths", "strength_ids", "rosas_strength"),
        ("strengths", "strength_ids", "set_aside"),
        ("supports", "support_ids", "rosas_support"),
        ("supports", "support_ids", "stressful"),
        ("concern", "concern_id", "rosas_concern"),
    ],
)
def test_someone_elses_or_unoffered_link_is_refused_alike(
    personas, links, web, api, field, api_field, which
):
    wanted = links[which].pk
    page = _page(web, personas, **{field: [wanted] if field != "concern" else wanted})
    assert page.status_code == 400
    said = page.context["form"].errors[field]
    answer = _api(api, personas, **{api_field: [wanted] if field != "concern" else wanted})
    assert answer.status_code == 400, answer.json()
    assert answer.json()["errors"][field] == said
    assert not Goal.objects.filter(client=personas.dana).exists()


def test_patch_changes_links_only_when_sent(personas, links, api):
    client = api(personas.alice)
    made = _api(api, personas, strength_ids=[links["strength"].pk]).json()
    kept = client.patch(
        f"/api/v1/goals/{made['id']}", {"version": made["version"], "worker_view": "Fairs"}
    ).json()
    assert kept["strength_ids"] == [links["strength"].pk]
    changed = client.patch(
        f"/api/v1/goals/{made['id']}",
        {"version": kept["version"], "strength_ids": [], "concern_id": links["concern"].pk},
    ).json()
    assert changed["strength_ids"] == [] and changed["concern_id"] == links["concern"].pk
    refused = client.patch(
        f"/api/v1/goals/{made['id']}",
        {"version": changed["version"], "support_ids": [links["rosas_support"].pk]},
    )
    assert refused.status_code == 400 and "supports" in refused.json()["errors"]


def test_review_form_only_for_a_supervisor_of_the_clients_team(personas, web):
    plan = services.plan_start(acting_user=personas.alice, client=personas.dana)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.AWAITING_APPROVAL)
    url = reverse("plans:plan", args=[personas.dana.pk])
    assert web(personas.bob).get(url).context["can_review"] is True
    assert web(personas.alice).get(url).context["can_review"] is False
