"""Reports in a real browser: priya filters by program and period, opens the advocacy
report, downloads the Excel file; a worker's phone view; axe on every page, every WCAG 2.1
A/AA rule (not only the serious ones)."""

from __future__ import annotations

import pytest

from strengthwise.assessments import demo as assessments_demo
from strengthwise.core.testing_browser import PHONE, assert_wcag_clean, screenshot
from strengthwise.people.personas import create_personas
from strengthwise.plans import demo as plans_demo

pytestmark = pytest.mark.browser


def test_reports_with_filters_and_exports(new_page, sign_in):
    personas = create_personas()
    assessments_demo.load()
    plans_demo.load()
    page = new_page()
    sign_in(page, "priya")
    page.goto("/reports/")
    assert "De-identified" in page.content()
    assert_wcag_clean(page, "reports")
    page.locator("#id_program").select_option(label=personas.housing_program.name)
    page.locator("#id_start").fill("2026-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**program=*")
    assert "GAS T-scores" in page.content()
    assert personas.dana.legal_last_name not in page.content()
    screenshot(page, "reports-filtered")
    assert_wcag_clean(page, "reports filtered by program and period")
    href = page.get_by_role("link", name="Excel (every table)").get_attribute("href")
    assert href and "program=" in href  # the export keeps the filters
    response = page.request.get(href)
    assert response.ok and response.body()[:2] == b"PK"  # an XLSX is a zip
    page.get_by_role("link", name="Advocacy report").click()
    page.wait_for_url("**/reports/advocacy/**")
    assert_wcag_clean(page, "advocacy report")
    phone = new_page(viewport=PHONE)
    sign_in(phone, "alice")
    phone.goto("/reports/")
    assert "Figures for your caseload" in phone.content()
    assert_wcag_clean(phone, "reports on a phone")


def test_a_chosen_team_lists_its_workers(new_page, sign_in, monkeypatch):
    """Past a readable list (here 2 workers; thousands at agency scale) the worker filter
    waits for a team: choosing one swaps its members in, keeps focus where it was, and the
    figures follow."""
    from strengthwise.outcomes import selectors

    personas = create_personas()
    monkeypatch.setattr(selectors, "WORKERS_LISTED", 2)
    page = new_page()
    sign_in(page, "priya")
    page.goto("/reports/")
    worker = page.locator("#id_worker")
    assert worker.locator("option").all_inner_texts() == ["All"]
    assert "Choose a team to list its workers." in page.content()
    page.locator("#id_team").focus()
    page.locator("#id_team").select_option(label=personas.family.name)
    page.wait_for_url(f"**team={personas.family.pk}*")
    page.wait_for_function("document.querySelectorAll('#id_worker option').length === 3")
    assert sorted(worker.locator("option").all_inner_texts()[1:]) == sorted(
        [personas.bob.label, personas.carol.label]
    )
    assert "Choose a team to list its workers." not in page.content()
    assert page.evaluate("document.activeElement.id") == "id_team"
    worker.focus()
    worker.select_option(label=personas.carol.label)
    page.wait_for_url(f"**worker={personas.carol.pk}*")
    page.wait_for_function(
        "name => document.querySelector('.report-scope').textContent.includes(name)",
        arg=personas.carol.label,
    )
    assert page.evaluate("document.activeElement.id") == "id_worker"
    assert worker.input_value() == str(personas.carol.pk)
    assert_wcag_clean(page, "reports, a team's workers")
