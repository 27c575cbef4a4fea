"""The program manager's and the agency admin's stories in a browser (issue 16, items 1, 2 and
5): every page checked by axe against every WCAG 2.1 A/AA rule, the clicks counted, and the
screenshots the guides show (docs/guide/program-manager.md and admin.md) made here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from strengthwise.core.testing_browser import assert_wcag_clean, screenshot
from strengthwise.people.models import Client
from strengthwise.people.personas import create_personas

pytestmark = pytest.mark.browser


class Clicks:
    """Clicks and choices counted; axe (WCAG 2.1 A/AA, every impact) and a screenshot on each
    page looked at."""

    def __init__(self, page: Any, story: str):
        self.page, self.story, self.count = page, story, 0

    def click(self, locator: Any) -> None:
        locator.click()
        self.count += 1

    def choose(self, locator: Any, **option: Any) -> None:
        locator.select_option(**option)
        self.count += 1

    def look(self, what: str) -> None:
        assert_wcag_clean(self.page, f"{self.story}: {what}")
        screenshot(self.page, f"journey-{self.story}-{what.replace(' ', '-')}")


def test_program_manager_filters_reads_and_downloads_but_opens_no_record(new_page, sign_in):
    personas = create_personas()
    page = new_page()
    priya = Clicks(page, "manager")
    sign_in(page, "priya")  # lands on the reports
    page.get_by_role("heading", name="Reports", level=1).wait_for()
    priya.look("reports")
    assert "De-identified" in page.inner_text("main")
    assert personas.dana.legal_last_name not in page.content()

    # One program, one period: the figures change in place and the address keeps the filter.
    program = page.get_by_label("Program")
    housing = program.locator("option", has_text="Housing").first.get_attribute("value")
    priya.choose(program, value=housing)
    page.get_by_role("textbox", name="From", exact=True).fill("2020-01-01")
    priya.click(page.get_by_role("button", name="Show"))
    page.wait_for_url(
        re.compile(rf"program={housing}.*start=2020-01-01|start=2020-01-01.*program={housing}")
    )
    page.locator("#results section.report").first.wait_for()
    priya.look("reports filtered")

    # The program summary PDF keeps the filter.
    summary = page.get_by_role("link", name="Program summary (PDF)")
    assert f"program={housing}" in summary.get_attribute("href")
    pdf = page.request.get(summary.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # The advocacy report: barriers in the wider world, small counts hidden.
    priya.click(page.get_by_role("link", name="Advocacy report"))
    page.wait_for_url(re.compile(r"/reports/advocacy/"))
    priya.look("advocacy")

    # No client's record opens for a program manager, whatever the address.
    response = page.goto(f"/clients/{personas.dana.pk}/")
    assert response is not None and response.status == 404
    assert priya.count <= 3, f"the program manager's story took {priya.count} clicks"


def test_admin_language_list_reassignment_directory_and_staff(new_page, sign_in):
    personas = create_personas()
    page = new_page()
    admin = Clicks(page, "admin")
    sign_in(page, "admin")  # lands on Settings
    page.get_by_role("heading", name="Settings", level=1).wait_for()
    admin.look("settings")

    # A term for the language helper, with what to say instead.
    admin.click(page.get_by_role("link", name="Strengths-based language list"))
    page.wait_for_url(re.compile(r"/settings/language/"))
    page.get_by_label(re.compile("^Term to avoid", re.I)).fill("hard to reach")
    page.get_by_label(re.compile("^(Try instead|Alternatives|What to say)", re.I)).fill(
        "not yet reached by our services; the services are hard to reach"
    )
    admin.click(page.get_by_role("button", name="Save"))
    page.get_by_role("cell", name="hard to reach", exact=True).wait_for()
    admin.look("language list")

    # alice steps back: preview where her clients would go, lightest caseload first.
    admin.click(page.get_by_role("link", name="Settings"))
    admin.click(page.get_by_role("link", name="Reassign a caseload"))
    page.wait_for_url(re.compile(r"/reassign/"))
    departing = page.get_by_label("Departing worker")
    alice = departing.locator("option", has_text=personas.alice.label).get_attribute("value")
    admin.choose(departing, value=alice)
    admin.click(page.get_by_label(re.compile(re.escape(personas.carol.label))))
    admin.click(page.get_by_role("button", name="Preview the plan"))
    page.get_by_role("heading", name=re.compile("^The plan:")).wait_for()
    admin.look("reassign preview")
    assert Client.objects.filter(primary_worker=personas.alice).exists()  # nothing moved yet

    # The directory of services workers refer to.
    admin.click(page.get_by_role("link", name="Settings"))
    admin.click(page.get_by_role("link", name="Directory of services"))
    page.wait_for_url(re.compile(r"/directory/"))
    admin.look("directory")

    # Programs, teams and staff: the admin site, scoped to the agency.
    page.goto("/settings/")
    admin.click(page.get_by_role("link", name="Programs, teams and staff"))
    page.wait_for_url(re.compile(r"/admin/"))
    screenshot(page, "journey-admin-staff")
    assert personas.mallory.agency.name not in page.content()
    assert admin.count <= 10, f"the admin's story took {admin.count} clicks"
