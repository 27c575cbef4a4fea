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
