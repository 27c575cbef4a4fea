"""Whole stories as their users live them (issue 16, item 1), in a real browser, with axe on
every page and the clicks counted (so a change that adds clicks shows in the failure)."""

from __future__ import annotations

import re

import pytest

from strengthwise.core.testing_browser import assert_wcag_clean, screenshot
from strengthwise.people.models import Client
from strengthwise.people.personas import create_personas
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import Plan

pytestmark = pytest.mark.browser


class Clicks:
    """Clicks (and choices) a user makes, counted; axe runs on every page they reach."""

    def __init__(self, page, story: str):
        self.page, self.story, self.count = page, story, 0

    def click(self, locator) -> None:
        locator.click()
        self.count += 1

    def check(self, locator) -> None:
        locator.check()
        self.count += 1

    def look(self, what: str) -> None:
        assert_wcag_clean(self.page, f"{self.story}: {what}")
        screenshot(self.page, f"journey-{self.story}-{what.replace(' ', '-')}")


def _plan_sent_for_approval(personas) -> Plan:
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "A home", "author": "client", "domain": "daily_living"},
    )
    plan_services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana")
    plan_services.plan_worker_sign(acting_user=personas.alice, plan=plan)
    return plan


def test_supervisor_returns_approves_reassigns_and_reads_what_is_working(new_page, sign_in):
    personas = create_personas()
    plan = _plan_sent_for_approval(personas)
    page = new_page()
    bob = Clicks(page, "supervisor")
    sign_in(page, "bob")

    # The plan waiting: returned with a comment.
    bob.click(page.get_by_role("link", name="Plans to approve"))
    bob.look("plans waiting")
    bob.click(page.get_by_role("link", name="Dana Whitfield"))
    bob.check(page.get_by_label("Return with comments"))
    page.get_by_role("textbox", name="Comments").fill("Add a step for legal aid.")
    bob.click(page.get_by_role("button", name="Record the decision"))
    page.get_by_text("Returned with comments").first.wait_for()
    bob.look("plan returned")
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.RETURNED

    # alice adds the step and sends it again (her side is tested on its own).
    goal = plan.goals.get()
    plan_services.step_add(
        acting_user=personas.alice, goal=goal, fields={"text": "Call legal aid", "who": "worker"}
    )
    plan.refresh_from_db()
    plan_services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana")
    plan_services.plan_worker_sign(acting_user=personas.alice, plan=plan)

    # The resubmission: approved.
    bob.click(page.get_by_role("link", name="Plans to approve"))
    bob.click(page.get_by_role("link", name="Dana Whitfield"))
    bob.check(page.get_by_label("Approve"))
    bob.click(page.get_by_role("button", name="Record the decision"))
    page.get_by_text(re.compile("Approved")).first.wait_for()
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.ACTIVE

    # Two of alice's clients go to carol, one transfer each.
    for client in (personas.rosa, personas.dana_duplicate):
        page.goto(f"/clients/{client.pk}/")
        bob.click(page.get_by_role("link", name="Transfer", exact=True))
        bob.look("transfer")
        worker = page.get_by_label("New primary worker")
        carol = worker.locator("option", has_text=personas.carol.label).get_attribute("value")
        worker.select_option(value=carol)  # "Carol Lindqvist — 1 client"
        bob.count += 1
        page.get_by_label("Reason").fill("Carol speaks Spanish with the family")
        bob.click(page.get_by_role("button", name="Transfer"))
        page.wait_for_url(re.compile(rf"/clients/{client.pk}/$"))
        assert Client.objects.get(pk=client.pk).primary_worker_id == personas.carol.pk

    # What is working, on the team view.
    bob.click(page.get_by_role("link", name="Team"))
    page.get_by_role("heading", name=re.compile("What is working")).wait_for()
    bob.look("team view")
    assert bob.count <= 17, f"the supervisor's story took {bob.count} clicks"


def test_evaluation_closes_with_the_client_then_reports_and_exports(new_page, sign_in):
    import csv
    import io

    import openpyxl

    from strengthwise.assessments import services as assessment_services

    personas = create_personas()
    dana = personas.dana
    # One macro barrier: the advocacy report counts it, and shows a count under 5 as "<5".
    assessment_services.factor_add(
        acting_user=personas.alice,
        client=dana,
        fields={
            "description": "Landlords turn away housing vouchers",
            "level": "macro",
            "valence": "barrier",
            "domain": "daily_living",
        },
    )
    page = new_page()
    alice = Clicks(page, "evaluation")
    sign_in(page, "alice")

    # Closing the episode with Dana: what helped in her words, why it ends, sent.
    page.goto(f"/clients/{dana.pk}/closures/")
    alice.click(page.get_by_role("link", name=re.compile("Close this episode with the client")))
    page.wait_for_url(re.compile(r"/close/$"))
    alice.look("closure")
    page.get_by_role("textbox", name="What helped, in their words").fill(
        "Knowing I could text you and not get a lecture."
    )
    page.get_by_role("combobox", name="Why the episode ends").select_option("goals_achieved")
    alice.count += 1
    send = page.get_by_role("button", name=re.compile("Close the episode|Send for approval"))
    needs_approval = "approval" in send.inner_text()
    alice.click(send)
    page.get_by_role(
        "heading", name=re.compile("Closed|Waiting for supervisor approval")
    ).wait_for()
    alice.look("closure sent")
    if needs_approval:
        supervisor = new_page()
        bob = Clicks(supervisor, "evaluation-review")
        sign_in(supervisor, "bob")
        bob.click(supervisor.get_by_role("link", name="Closures to approve"))
        bob.click(supervisor.get_by_role("link", name=re.compile("Dana Whitfield")))
        bob.check(supervisor.get_by_label("Approve"))
        bob.click(supervisor.get_by_role("button", name=re.compile("Record|Approve")))
        supervisor.get_by_text(re.compile("Closed")).first.wait_for()
    from strengthwise.people.models import Episode

    assert not Episode.objects.filter(client=dana, closed_on__isnull=True).exists()

    # The program manager's reports: de-identified, the advocacy report suppressed, exports.
    reports = new_page()
    priya = Clicks(reports, "evaluation-reports")
    sign_in(reports, "priya")
    reports.goto("/reports/")
    priya.look("program report")
    assert "De-identified" in reports.content()
    assert dana.legal_last_name not in reports.content()
    csv_href = reports.get_by_role("link", name=re.compile("^CSV")).first.get_attribute("href")
    rows = list(csv.reader(io.StringIO(reports.request.get(csv_href).text())))
    assert len(rows) >= 2 and rows[0]  # a header and at least one row
    xlsx = reports.request.get(
        reports.get_by_role("link", name="Excel (every table)").get_attribute("href")
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx.body()), read_only=True)
    assert len(book.sheetnames) >= 2
    everything = " ".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )
    assert dana.legal_last_name not in everything
    priya.click(reports.get_by_role("link", name="Advocacy report"))
    reports.wait_for_url("**/reports/advocacy/**")
    priya.look("advocacy report")
    assert "&lt;5" in reports.content() or "<5" in reports.inner_text("main")
    assert alice.count <= 4, f"closing took {alice.count} clicks"


def test_monitoring_a_note_with_a_suggestion_a_reload_a_check_in_and_a_task_done(new_page, sign_in):
    from strengthwise.notes.models import CheckIn, Note

    personas = create_personas()
    dana = personas.dana
    plan = plan_services.plan_start(acting_user=personas.alice, client=dana)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "Keep my lease", "author": "client", "domain": "daily_living"},
    )
    page = new_page()
    alice = Clicks(page, "monitoring")
    sign_in(page, "alice")
    page.goto("/today/")
    no_contact = page.get_by_text("No contact for a while")
    assert no_contact.count() >= 1  # a derived task: nobody has written a note about Dana
    alice.look("today before")

    # A contact note: the language helper flags a word, she takes its suggestion.
    page.goto(f"/clients/{dana.pk}/notes/")
    alice.click(page.get_by_role("button", name="Write a note"))
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/notes/\d+/$"))
    note_id = int(page.url.rstrip("/").split("/")[-1])
    response = page.get_by_label("Response")
    response.fill("Dana was non-compliant with the budget plan this week.")
    use = page.get_by_role("button", name=re.compile("Use “Not in agreement with the plan”"))
    use.wait_for()
    alice.look("note with a suggestion")
    alice.click(use)
    assert response.input_value() == (
        "Dana was not in agreement with the plan with the budget plan this week."
    )
    # Autosaved: the helper has nothing more to say about that section.
    use.wait_for(state="detached")

    # The autosaved draft survives a reload.
    page.reload()
    assert "not in agreement with the plan" in page.get_by_label("Response").input_value()
    assert "non-compliant" not in Note.objects.get(pk=note_id).sections["response"]
    page.get_by_label("Goal", exact=True).fill("Keep the lease")
    page.get_by_label("Intervention").fill("Went through the budget line by line.")
    page.get_by_label("Plan").fill("Meet on Friday with the landlord letter.")
    alice.click(page.get_by_role("button", name="Sign the note"))
    page.get_by_text("Note signed.").wait_for()

    # A check-in on the goal.
    page.goto(f"/clients/{dana.pk}/goals/{goal.pk}/progress/")
    alice.look("goal progress")
    page.get_by_label("How the client rates progress (0–10)").select_option("6")
    page.get_by_label("How you rate progress (0–10)").select_option("5")
    alice.count += 2
    alice.click(page.get_by_role("button", name="Record the check-in"))
    page.wait_for_load_state()
    assert CheckIn.objects.filter(goal=goal, client_rating=6).exists()

    # The derived task is done: Today no longer asks for contact with Dana.
    page.goto("/today/")
    alice.look("today after")
    rows = page.locator("li", has_text="No contact for a while").filter(has_text="Dana Whitfield")
    assert rows.count() == 0
    assert alice.count <= 6, f"the monitoring story took {alice.count} clicks"


# Intake to plan with the keyboard only: test_journey_intake.py (the whole story, counted).
