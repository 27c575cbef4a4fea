"""The plan in a real browser: alice weighs two options with Dana, turns the chosen one into a
goal with three steps and GAS levels, records Dana's agreement, signs, and downloads the PDF;
axe on every page. Fixtures come from the root conftest.py."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from strengthwise.core.testing_browser import assert_page_assets_loaded, assert_wcag_clean
from strengthwise.people.personas import create_personas
from strengthwise.plans.models import Goal, Plan, PlanEvent

pytestmark = pytest.mark.browser


def test_alice_plans_with_dana_from_options_to_signed_pdf(new_page, sign_in):
    personas = create_personas()
    dana = personas.dana
    page = new_page()
    sign_in(page, "alice")

    page.goto(f"/clients/{dana.pk}/")
    page.get_by_role("link", name="Plan", exact=True).first.click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/plan/$"))
    assert_page_assets_loaded(page, "empty plan page")
    assert_wcag_clean(page, "empty plan page")
    page.get_by_role("button", name="Start the plan together").click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/plan/$"))

    # Weigh two options with Dana.
    page.locator("summary", has_text="Weigh options with them").click()
    page.get_by_label("What are they deciding? (their words)").fill(
        "How do I become a medical assistant?"
    )
    page.get_by_label("Option 1").fill("Community college evening course")
    page.locator("#id_pros_1").fill("Cheap; I can keep working")
    page.locator("#id_cons_1").fill("Late nights")
    page.get_by_label("Option 2").fill("A 12-week private program")
    page.locator("#id_pros_2").fill("Fast")
    page.locator("#id_cons_2").fill("A loan")
    page.get_by_role("button", name="Save the options").click()
    page.get_by_label(re.compile("Community college evening course")).check()
    page.get_by_role("button", name="Record their choice").click()
    page.get_by_role("button", name="Make this a goal").click()
    assert "Their choice is now a goal" in page.content()
    assert "“Community college evening course”" in page.content()
    assert_wcag_clean(page, "plan page with options weighed")

    # Edit the goal: her words, GAS levels, baseline.
    page.get_by_role("link", name=re.compile("Edit this goal")).click()
    assert_wcag_clean(page, "goal form")
    page.get_by_label("the goal, in their words").fill(
        "Start the medical assistant course in the fall"
    )
    page.get_by_label("+2 much better than expected").fill("Enrolled and first module passed")
    page.get_by_label("+1 better than expected").fill("Enrolled, childcare arranged")
    page.get_by_label("0 expected outcome").fill("Enrolled in the evening course for the fall")
    page.get_by_label("−1 less than expected").fill("Still looking at courses")
    page.get_by_label("−2 much less than expected").fill("Stopped looking")
    page.get_by_label("Where they are now (baseline)").select_option("-1")
    page.get_by_role("button", name="Save the goal").click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/plan/#goal-\d+$"))  # back at the goal

    # Three steps: hers first, then the worker's and her sister's.
    for text, who, name in [
        ("Ask the college about evening classes", "client", ""),
        ("Find out about fee waivers", "worker", ""),
        ("Watch Jayden on class nights", "support", "Marisol (sister)"),
    ]:
        page.locator("summary", has_text="Add a step").first.click()
        form = page.locator("form[action$='/steps/']").first
        form.get_by_label("step").fill(text)
        form.get_by_label("who does it").select_option(who)
        if name:
            form.get_by_label("name (support or agency)").fill(name)
        form.get_by_role("button", name="Add the step").click()
        page.locator("ol.steps li").filter(has_text=text).wait_for()
    steps = page.locator("ol.steps li")
    assert steps.count() == 3
    assert "Ask the college about evening classes" in steps.nth(0).inner_text()

    # Dana agrees (typed name), alice signs: the plan goes to the supervisor.
    page.get_by_label("The client types their own name here").fill("Dana Whitfield")
    page.get_by_role("button", name="Record the client's agreement").click()
    page.get_by_role("button", name="Sign as the worker").click()
    assert "Waiting for supervisor approval" in page.content()
    assert_wcag_clean(page, "signed plan page")
    plan = Plan.objects.get(client=dana)
    assert plan.status == Plan.Status.AWAITING_APPROVAL
    assert PlanEvent.objects.filter(
        plan=plan, kind="client_agreed", signed_name="Dana Whitfield"
    ).exists()
    goal = Goal.objects.get(plan=plan)
    assert goal.author == "client" and goal.gas_complete

    # The take-home plan: printable page, then the PDF with her words.
    page.get_by_role("link", name="Take-home plan").click()
    assert_wcag_clean(page, "take-home page")
    # Print, from a button (app.js; no inline script under the CSP): the browser's print.
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.printed") == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = download.value
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.path().read_bytes())).pages)
    assert "Start the medical assistant course in the fall" in text
    assert "Marisol (sister)" in text


def test_supervisor_returns_then_approves(new_page, sign_in):
    from strengthwise.plans import services

    personas = create_personas()
    plan = services.plan_start(acting_user=personas.alice, client=personas.dana)
    services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "A home", "domain": "daily_living"},
    )
    services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana")
    services.plan_worker_sign(acting_user=personas.alice, plan=plan)
    page = new_page()
    sign_in(page, "bob")
    page.get_by_role("link", name="Plans to approve").click()
    assert_wcag_clean(page, "plans waiting")
    page.get_by_role("link", name="Dana Whitfield").click()
    page.get_by_label("Return with comments").check()
    page.get_by_role("button", name="Record the decision").click()
    assert "Say what to change when you return a plan." in page.content()
    page.get_by_label("Return with comments").check()
    page.get_by_role("textbox", name="Comments").fill("Add a step for legal aid.")
    page.get_by_role("button", name="Record the decision").click()
    assert "Returned with comments" in page.content()
    plan.refresh_from_db()
    assert plan.status == Plan.Status.RETURNED
