"""The consent form in a real browser: the organisation typeahead (htmx) used with the keyboard
only, the client typing their own name, the page on a phone in Spanish; the plan's sign-off
the same way; a partner whose link does not work."""

from __future__ import annotations

import re

import pytest

from strengthwise.core.testing_browser import assert_wcag_clean, screenshot
from strengthwise.directory.models import Organization
from strengthwise.people.personas import create_personas
from strengthwise.plans import services as plan_services
from strengthwise.referrals.models import Consent

pytestmark = pytest.mark.browser

PHONE_360 = {"width": 360, "height": 780}


def test_typeahead_by_keyboard_and_the_client_types_their_name(new_page, sign_in):
    personas = create_personas()
    dana = personas.dana
    Organization.objects.bulk_create(
        [Organization(name=f"Agency number {i:03d}", description="x") for i in range(400)]
        + [Organization(name="Harbor Light Family Shelter", description="x")]
    )
    page = new_page()
    sign_in(page, "alice")
    page.goto(f"/clients/{dana.pk}/consents/new/")
    search = page.locator("#org-q")
    search.wait_for()  # htmx swapped the plain select for the search
    assert page.locator("select[name=organization]").count() == 0
    search.focus()
    page.keyboard.type("harbor li")
    page.get_by_role("radio", name="Harbor Light Family Shelter").wait_for()
    assert page.locator("#org-results input[name=organization]").count() == 2  # it and "none"
    # Keyboard only: Tab into the list (the checked "none" radio), arrow up to the match.
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowUp")
    assert page.get_by_role("radio", name="Harbor Light Family Shelter").is_checked()
    assert_wcag_clean(page, "consent form with organisation typeahead")
    page.get_by_role("radio", name="Typed by the client on the worker's device").check()
    page.get_by_label("The client types their own name here").fill("Dana Whitfield")
    page.get_by_label(re.compile("I told the client they can withdraw")).check()
    page.get_by_role("button", name="Record consent").click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/referrals/$"))
    consent = Consent.objects.get(client=dana)
    assert consent.organization.name == "Harbor Light Family Shelter"
    assert "Agreed by Dana Whitfield, typed on the worker's device" in page.content()
    page.get_by_text("Record that the client withdrew this consent").click()
    page.get_by_role("button", name="Record the withdrawal").wait_for()


def test_consent_and_sign_off_on_a_phone_in_spanish(new_page, sign_in):
    personas = create_personas()
    dana = personas.dana
    plan = plan_services.plan_start(acting_user=personas.alice, client=dana)
    plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Mudarme a un apartamento",
            "author": "client",
            "domain": "daily_living",
        },
    )
    Organization.objects.create(name="Centro Hispano de Salud", description="x")
    page = new_page(viewport=PHONE_360)
    sign_in(page, "alice")
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": page.url}])
    page.goto(f"/clients/{dana.pk}/consents/new/")
    page.locator("#org-q").wait_for()
    content = page.content()
    assert "Escribir su nombre es su propio acto de dar su acuerdo" in content
    assert "Escrito por el cliente en el dispositivo del trabajador" in content
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the consent form scrolls sideways on a phone ({width}px)"
    screenshot(page, "consent-form-es-360")
    page.goto(f"/clients/{dana.pk}/plan/")
    assert "El cliente escribe aquí su propio nombre" in page.content()
    page.get_by_label("El cliente escribe aquí su propio nombre").fill("Dana Whitfield")
    page.get_by_role("button", name="Registrar el acuerdo del cliente").click()
    page.get_by_text(
        re.compile("Aceptado por Dana Whitfield, escrito en el dispositivo")
    ).wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the plan page scrolls sideways on a phone ({width}px)"
    screenshot(page, "plan-sign-off-es-360")
    assert_wcag_clean(page, "plan sign-off in Spanish on a phone")


def test_a_broken_partner_link_in_the_browser(new_page):
    page = new_page()
    page.goto("/partner/referrals/expired-or-wrong/")
    assert "This referral link does not work" in page.content()
    assert "caseload" not in page.content().lower()
    assert_wcag_clean(page, "partner link not found")
