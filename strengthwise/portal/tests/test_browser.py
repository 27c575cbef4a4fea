"""The portal as a client meets it: a 360 px phone on a slow connection, English and Spanish,
axe on every page, nothing that scrolls sideways."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from strengthwise.core.testing_browser import (
    assert_no_horizontal_scroll,
    assert_wcag_clean,
    screenshot,
)
from strengthwise.people.personas import create_personas
from strengthwise.plans import services as plan_services
from strengthwise.portal import services
from strengthwise.referrals import services as referral_services
from strengthwise.referrals.models import Consent

pytestmark = pytest.mark.browser

PASSWORD = "a long walk by the river"
# A small, cheap phone (issue 14: usable at 360 px).
PHONE = {"width": 360, "height": 740}


def _slow_network(page):
    """About a 3G connection: 400 ms round trips, 50 kB/s down."""
    session = page.context.new_cdp_session(page)
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 400,
            "downloadThroughput": 50 * 1024,
            "uploadThroughput": 20 * 1024,
        },
    )


def _check(page, what):
    assert_wcag_clean(page, what)
    assert_no_horizontal_scroll(page, what)
    screenshot(page, f"portal-{what.replace(' ', '-')}")


def _set_up(page, code, login):
    page.goto("/portal/")
    page.get_by_role("link", name=re.compile("code")).click()
    page.fill("#id_code", code)
    page.fill("#id_login", login)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(re.compile(r"/portal/home/$"))


def _plan_and_consent(personas, client, statement, step, organisation):
    """The client's plan with one goal and one step of their own, and a consent to share their
    contact details with `organisation` (signed by the client, e-signature)."""
    from strengthwise.directory.testing import make_service

    plan = plan_services.plan_start(acting_user=personas.alice, client=client)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": statement, "author": "worker", "domain": "daily_living"},
    )
    plan_services.step_add(
        acting_user=personas.alice, goal=goal, fields={"text": step, "who": "client"}
    )
    service = make_service("A service", org_name=organisation)
    referral_services.consent_record(
        acting_user=personas.alice,
        client=client,
        fields={
            "information": ["contact"],
            "organization": service.organization,
            "purpose": "referral",
            "valid_from": timezone.localdate() - dt.timedelta(days=1),
            "valid_until": timezone.localdate() + dt.timedelta(days=300),
            "method": Consent.Method.E_SIGNATURE,
            "signed_name": client.display_name,
            "right_to_revoke_explained": True,
        },
    )


def test_dana_on_a_slow_phone_does_her_part(new_page):
    personas = create_personas()
    dana = personas.dana
    _plan_and_consent(
        personas, dana, "Get housing", "Call the landlord", "River City Credit Union Foundation"
    )
    _, code = services.invitation_create(acting_user=personas.alice, client=dana)

    page = new_page(viewport=PHONE)
    _slow_network(page)
    _set_up(page, code, "dana.w")
    _check(page, "home")

    page.get_by_role("link", name="My plan").first.click()
    page.wait_for_url(re.compile(r"/portal/plan/$"))
    _check(page, "plan")
    page.get_by_role("button", name=re.compile("I did this")).click()
    page.get_by_role("button", name=re.compile("Not done yet")).wait_for()

    page.get_by_role("link", name=re.compile("Check in")).click()
    page.wait_for_url(re.compile(r"/portal/goals/\d+/check-in/$"))
    _check(page, "check in")
    page.get_by_label("7", exact=True).check()
    page.fill("#id_comment", "Viewing on Friday")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/portal/plan/"))

    page.get_by_role("link", name=re.compile("Change the words — Get housing")).click()
    page.wait_for_url(re.compile(r"/portal/goals/\d+/words/$"))
    _check(page, "goal words")
    page.fill("#id_statement", "A place where Jayden has his own room")
    page.get_by_role("button", name="Save my words").click()
    page.wait_for_url(re.compile(r"/portal/plan/"))
    assert "A place where Jayden has his own room" in page.content()
    page.get_by_role("button", name="I agree to this plan").click()
    page.get_by_text("You agreed to this plan.").wait_for()

    # Her dream, in her words (two clicks from the plan: the link, then save).
    page.get_by_role("link", name=re.compile("My dream")).click()
    page.wait_for_url(re.compile(r"/portal/words/dream/$"))
    _check(page, "dream words")
    page.fill("#id_dreams", "A home with a door that locks")
    page.get_by_role("button", name="Save my words").click()
    page.wait_for_url(re.compile(r"/portal/plan/"))
    page.get_by_text("A home with a door that locks").wait_for()

    # A message to her worker.
    page.get_by_role("link", name="Messages").first.click()
    page.wait_for_url(re.compile(r"/portal/messages/$"))
    page.fill("#id_text", "Can we meet on Friday?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/portal/messages/"))
    page.get_by_text("Can we meet on Friday?").wait_for()
    _check(page, "messages")

    page.get_by_role("link", name="My privacy").click()
    page.wait_for_url(re.compile(r"/portal/privacy/$"))
    _check(page, "privacy")
    page.get_by_role("link", name=re.compile("Withdraw")).first.click()
    page.wait_for_url(re.compile(r"/portal/consents/\d+/withdraw/$"))
    _check(page, "withdraw")
    page.get_by_role("button", name="Yes, stop sharing").click()
    page.wait_for_url(re.compile(r"/portal/privacy/"))
    page.get_by_text(re.compile("Withdrawn on")).wait_for()

    page.get_by_role("link", name="My help").click()
    page.wait_for_url(re.compile(r"/portal/help/$"))
    _check(page, "help")


def test_rosa_does_her_part_in_spanish_on_a_phone(new_page):
    personas = create_personas()
    rosa = personas.rosa
    _plan_and_consent(
        personas, rosa, "Aprender inglés", "Llamar a la escuela", "River City Library"
    )
    _, code = services.invitation_create(acting_user=personas.alice, client=rosa)
    page = new_page(viewport=PHONE)
    _slow_network(page)
    _set_up(page, code, "rosa")
    assert page.locator("html").get_attribute("lang") == "es"
    _check(page, "home es")

    page.get_by_role("link", name="Mi plan").first.click()
    page.wait_for_url(re.compile(r"/portal/plan/$"))
    _check(page, "plan es")
    page.get_by_role("button", name=re.compile("Ya lo hice")).click()
    page.get_by_role("button", name=re.compile("Aún no está hecho")).wait_for()

    page.get_by_role("link", name=re.compile("Cambiar las palabras — Aprender inglés")).click()
    page.wait_for_url(re.compile(r"/portal/goals/\d+/words/$"))
    _check(page, "goal words es")
    page.fill("#id_statement", "Hablar inglés con la maestra de mi hija")
    page.get_by_role("button", name="Guardar mis palabras").click()
    page.wait_for_url(re.compile(r"/portal/plan/"))
    page.get_by_text("Hablar inglés con la maestra de mi hija").first.wait_for()
    page.get_by_role("button", name="Acepto este plan").click()
    page.get_by_text("Usted aceptó este plan.").wait_for()

    page.get_by_role("link", name="Mensajes").first.click()
    page.wait_for_url(re.compile(r"/portal/messages/$"))
    page.fill("#id_text", "¿Podemos hablar el viernes?")
    page.get_by_role("button", name="Enviar").click()
    page.get_by_text("¿Podemos hablar el viernes?").wait_for()
    _check(page, "messages es")

    page.get_by_role("link", name="Mi privacidad").click()
    page.wait_for_url(re.compile(r"/portal/privacy/$"))
    assert "Quién ha mirado su expediente" in page.content()
    _check(page, "privacy es")
    page.get_by_role("link", name=re.compile("Retirar")).first.click()
    page.wait_for_url(re.compile(r"/portal/consents/\d+/withdraw/$"))
    page.get_by_role("button", name="Sí, dejar de compartir").click()
    page.wait_for_url(re.compile(r"/portal/privacy/"))
    page.get_by_text(re.compile("Retirado el")).wait_for()
