"""Protected information item by item (issue 12 item 3): each strength and goal carries the
categories it falls in, suggested from its words and confirmed by the worker, and the consent
gate lets an item reach a partner only under a consent naming every one of them — with the
Part 2 notice whenever substance use information goes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from strengthwise.assessments import services as assessment_services
from strengthwise.assessments.models import Factor
from strengthwise.core import sensitivity
from strengthwise.core.errors import ValidationFailed
from strengthwise.plans import services as plan_services
from strengthwise.referrals import services
from strengthwise.referrals.consent import part2_notice
from strengthwise.referrals.models import Information

from .test_referrals import partner_url

SOBER = "Got herself sober six years ago and keeps to it"
COOKING = "Cooks for the whole building on Sundays"


def test_every_protected_category_is_something_a_consent_can_name():
    assert set(sensitivity.Category.values) <= set(Information.values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SOBER, ["substance_use"]),
        ("“I stopped drinking when my daughter was born”", ["substance_use"]),
        ("Her viral load is undetectable; sees her therapist weekly", ["hiv", "mental_health"]),
        ("Has a protective order and a safety plan", ["domestic_violence"]),
        (COOKING, []),
        ("Likes drinking water after a run and the AA battery shop", []),
    ],
)
def test_categories_are_suggested_from_the_words(text, expected):
    assert sensitivity.suggest(text) == expected


class Item:
    def __init__(self, categories=(), confirmed=False):
        self.categories = list(categories)
        self.categories_confirmed = confirmed


def test_a_suggestion_is_added_with_new_words_and_removed_only_by_the_worker():
    item = Item()
    sensitivity.categorise(item, [SOBER])
    assert (item.categories, item.categories_confirmed) == (["substance_use"], False)
    # The worker removes a wrong suggestion without changing the words: it stays removed.
    sensitivity.categorise(item, [SOBER], chosen=[], texts_before=[SOBER])
    assert (item.categories, item.categories_confirmed) == ([], True)
    sensitivity.categorise(item, [SOBER], texts_before=[SOBER])
    assert item.categories == []
    # New words are checked again, and the item waits for the worker's confirmation.
    sensitivity.categorise(item, [SOBER + ", after a relapse"], texts_before=[SOBER])
    assert (item.categories, item.categories_confirmed) == (["substance_use"], False)
    sensitivity.categorise(item, [COOKING], chosen=["hiv"])
    assert (item.categories, item.categories_confirmed) == (["hiv"], True)
    with pytest.raises(ValidationFailed) as refused:
        sensitivity.categorise(item, [COOKING], chosen=["astrology"])
    assert "categories" in refused.value.field_errors


def _strength(personas, description):
    return assessment_services.factor_add(
        acting_user=personas.alice,
        client=personas.dana,
        fields={
            "description": description,
            "level": "micro",
            "valence": "strength",
            "domain": "health",
            "author": "client",
            "verbatim": True,
        },
    )


def test_a_strength_in_a_protected_category_needs_a_consent_naming_it(
    personas, workshop, consent_for, web
):
    sober, cooking = _strength(personas, SOBER), _strength(personas, COOKING)
    assert (sober.categories, cooking.categories) == (["substance_use"], [])
    consent_for(workshop, information=["contact", "goals", "strengths"])
    referral = services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=workshop,
        information=["contact", "strengths"],
    )
    html = web().get(partner_url(referral)).content.decode()
    assert COOKING in html
    assert "sober" not in html
    assert "42 CFR Part 2" not in html and "withheld" not in html.lower()
    # The worker's preview says what was kept back, and why.
    page = web(personas.alice).get(
        reverse("referrals:referral", args=[personas.dana.pk, referral.pk])
    )
    assert "Kept back" in page.content.decode() and "sober" in page.content.decode()


def test_under_a_part2_consent_the_item_goes_with_the_notice(personas, workshop, consent_for, web):
    _strength(personas, SOBER)
    consent_for(
        workshop,
        information=["contact", "strengths", "substance_use"],
        information_description="That she has been in recovery for six years",
    )
    referral = services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=workshop,
        information=["contact", "strengths", "substance_use"],
    )
    html = web().get(partner_url(referral)).content.decode()
    assert "sober" in html
    assert part2_notice()[:60] in html


def test_the_worker_confirms_or_corrects_a_suggestion_on_the_page(personas, web, audit_events):
    factor = _strength(personas, "Goes to the gym with her counsellor's son")
    url = reverse("assessments:factor-categories", args=[personas.dana.pk, factor.pk])
    page = web(personas.alice).get(reverse("assessments:factors", args=[personas.dana.pk]))
    assert "Mark protected information" in page.content.decode()
    response = web(personas.alice).post(url, {"categories": ["mental_health"]})
    assert response.status_code == 302
    factor.refresh_from_db()
    assert (factor.categories, factor.categories_confirmed) == (["mental_health"], True)
    assert audit_events("factor.categories_set")
    web(personas.alice).post(url, {})
    factor.refresh_from_db()
    assert (factor.categories, factor.categories_confirmed) == ([], True)
    # Nobody outside the client's team can touch it.
    for outsider in (personas.carol, personas.mallory):
        assert web(outsider).post(url, {"categories": ["hiv"]}).status_code == 404
    factor.refresh_from_db()
    assert factor.categories == []
    assert Factor.objects.filter(categories=[]).exists()


def test_a_goal_in_a_protected_category_is_kept_from_a_partner(
    personas, workshop, consent_for, web, api
):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    goal = api(personas.alice).post(
        "/api/v1/goals",
        {
            "client_id": personas.dana.pk,
            "statement": "Stay clear of a relapse while I move house",
            "domain": "daily_living",
        },
    )
    assert goal.status_code == 201, goal.content
    body = goal.json()
    assert (body["categories"], body["categories_confirmed"]) == (["substance_use"], False)
    consent_for(workshop, information=["contact", "goals"])
    referral = services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=workshop,
        information=["contact", "goals"],
        goal_id=body["id"],
    )
    assert "relapse" not in web().get(partner_url(referral)).content.decode()
    # The worker decides it is not substance use information after all (same words).
    patched = api(personas.alice).patch(
        f"/api/v1/goals/{body['id']}", {"version": body["version"], "categories": []}
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["categories"], patched.json()["categories_confirmed"]) == ([], True)
    assert "relapse" in web().get(partner_url(referral)).content.decode()
    assert plan.pk


def test_the_note_to_the_partner_is_gated_by_its_words_too(personas, workshop, consent_for, web):
    consent_for(workshop, information=["contact"])
    referral = services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=workshop,
        information=["contact"],
        request_note="She has been sober six years and needs an evening class.",
    )
    html = web().get(partner_url(referral)).content.decode()
    assert "sober" not in html and "What we are asking for" not in html
    page = (
        web(personas.alice)
        .get(reverse("referrals:referral", args=[personas.dana.pk, referral.pk]))
        .content.decode()
    )
    assert "Kept back" in page
    plain = services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=workshop,
        information=["contact"],
        request_note="Dana would like the Tuesday evening group.",
    )
    assert "Tuesday evening group" in web().get(partner_url(plain)).content.decode()
