"""End-to-end checks in a real browser: what a caseworker sees and can do, and that it is accessible.

These drive the Debian Chromium at /usr/bin/chromium through Playwright (never a downloaded
browser) against pytest-django's live server, and run axe-core on every page they visit.
Without Chromium the module is skipped, unless STRENGTHWISE_REQUIRE_BROWSER=1 (CI) makes that
a failure. The fixtures (browser, new_page, sign_in) are in the root conftest.py; the helpers in
strengthwise/core/testing_browser.py.
"""

from __future__ import annotations

import re

import pytest

from strengthwise.accounts.testing import recovery_code_for
from strengthwise.core.testing_browser import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    assert_page_assets_loaded,
    assert_wcag_clean,
)
from strengthwise.people.personas import DEMO_PASSWORD, create_personas

pytestmark = pytest.mark.browser


def test_alice_signs_in_through_the_form_and_lands_on_her_caseload(new_page):
    create_personas()
    page = new_page()
    page.goto("/clients/")  # not signed in: sent to the sign-in page
    page.wait_for_url(re.compile(r"/accounts/sign-in/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert_wcag_clean(page, "the sign-in page")

    code = recovery_code_for("alice")  # she has an authenticator and this recovery code
    page.fill("#id_username", "alice")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))  # the second step
    assert_wcag_clean(page, "the second step of signing in")
    page.fill("#id_code", code)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/clients/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "My caseload"
    caseload = page.locator("table.clients")
    assert caseload.get_by_role("link", name="Dana Whitfield").is_visible()
    assert caseload.get_by_role("link", name="Rosa Hernández").is_visible()
    assert "Alice Moreno" in page.locator(".who").inner_text()
    assert_wcag_clean(page, "the caseload")


def test_search_forgives_a_typo_and_opens_the_face_sheet(new_page, sign_in):
    personas = create_personas()
    page = new_page()
    sign_in(page, "alice")
    page.goto("/clients/search/")
    assert_wcag_clean(page, "the empty search page")

    with page.expect_response(lambda r: "/clients/search/?q=Witfield" in r.url and r.status == 200):
        page.locator("#id_q").press_sequentially("Witfield", delay=20)
    result = page.locator("#results").get_by_role("link", name="Dana Whitfield")
    result.wait_for(state="visible")
    assert "Witfield" in page.url, "the live search should keep the query in the address bar"
    assert_wcag_clean(page, "the search results")

    result.click()
    page.wait_for_url(re.compile(rf"/clients/{personas.dana.pk}/$"))
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().startswith("Dana Whitfield")
    assert page.get_by_role("heading", name="Strengths").is_visible()
    assert_wcag_clean(page, "Dana's face sheet")


def test_intake_warns_about_a_likely_duplicate_then_saves_a_different_person(new_page, sign_in):
    personas = create_personas()
    page = new_page()
    sign_in(page, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New client").click()
    page.wait_for_url(re.compile(r"/clients/new/$"))
    assert_wcag_clean(page, "the intake form")

    page.fill("#id_legal_first_name", "Dana")
    page.fill("#id_legal_last_name", "Whitfeeld")
    page.fill("#id_date_of_birth", "1992-04-17")
    page.get_by_role("button", name="Save and open the face sheet").click()

    warning = page.locator(".duplicates")
    warning.wait_for(state="visible")
    assert warning.get_by_role("heading").inner_text() == "This person may already be on record"
    assert warning.get_by_role("link", name="Dana Whitfield").is_visible()
    # Nothing was typed twice: the form still holds what alice entered.
    assert page.input_value("#id_legal_last_name") == "Whitfeeld"
    assert page.input_value("#id_date_of_birth") == "1992-04-17"
    assert_wcag_clean(page, "the intake duplicate warning")

    warning.get_by_role("button", name="This is a different person — save").click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    new_id = int(re.search(r"/clients/(\d+)/$", page.url).group(1))
    assert new_id not in (personas.dana.pk, personas.dana_duplicate.pk)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Dana Whitfeeld")
    assert "Dana Whitfeeld is on record" in page.locator(".messages").inner_text()


def test_phone_and_desktop_layouts_do_not_scroll_sideways(new_page, sign_in):
    personas = create_personas()
    ARTIFACTS.mkdir(exist_ok=True)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport)
        sign_in(page, "alice")
        assert page.locator("table.clients").get_by_role("link", name="Dana Whitfield").is_visible()
        assert_page_assets_loaded(page, f"the caseload ({label})")
        assert_no_horizontal_scroll(page, f"the caseload ({label})")
        page.screenshot(path=str(ARTIFACTS / f"caseload-{label}.png"), full_page=True)

        page.locator("table.clients").get_by_role("link", name="Dana Whitfield").click()
        page.wait_for_url(re.compile(rf"/clients/{personas.dana.pk}/$"))
        assert page.get_by_role("heading", level=1).inner_text().startswith("Dana Whitfield")
        assert_no_horizontal_scroll(page, f"Dana's face sheet ({label})")
        page.screenshot(path=str(ARTIFACTS / f"face-sheet-{label}.png"), full_page=True)
        if label == "phone":
            assert_wcag_clean(page, "Dana's face sheet on a phone")


def test_another_workers_client_is_not_found_for_carol(new_page, sign_in):
    personas = create_personas()
    page = new_page()
    sign_in(page, "carol")
    caseload = page.locator("main").inner_text()
    assert "Keisha Brown" in caseload
    assert "Whitfield" not in caseload

    response = page.goto(f"/clients/{personas.dana.pk}/")
    assert response is not None
    assert response.status == 404
    assert "Not found" in page.locator("h1").inner_text()
    assert "Whitfield" not in page.content()
