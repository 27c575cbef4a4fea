"""Find help in a real browser: "More results" brings the next page of a goal's ranking in place
(htmx), numbered on from the first, and the page stays accessible."""

from __future__ import annotations

import re

import pytest

from strengthwise.core.testing_browser import assert_page_assets_loaded, assert_wcag_clean
from strengthwise.directory import demo
from strengthwise.people.personas import create_personas
from strengthwise.plans import services as plan_services

pytestmark = pytest.mark.browser


def test_more_results_for_a_goal_load_in_place(new_page, sign_in):
    personas = create_personas()
    demo.load()
    dana = personas.dana
    plan = plan_services.plan_start(acting_user=personas.alice, client=dana)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Move into an apartment Jayden and I can stay in",
            "author": "client",
            "domain": "daily_living",
        },
    )
    page = new_page()
    sign_in(page, "alice")
    page.goto(f"/clients/{dana.pk}/find-help/?goal={goal.pk}")
    assert_page_assets_loaded(page, "find help for a goal")
    results = page.locator("ol.results > li")
    assert results.count() == 25
    assert "River City Rapid Re-housing" in results.first.inner_text()
    page.get_by_role("link", name=re.compile("More results")).click()
    page.locator("ol.results").nth(1).wait_for()
    assert results.count() == 50
    assert page.locator("ol.results").nth(1).get_attribute("start") == "26"
    assert "/find-help/?goal=" in page.url and "cursor" not in page.url  # the address stays
    assert_wcag_clean(page, "find help after more results")
