"""The closed loop in a real browser: alice finds a financial-literacy workshop for Dana's goal,
records Dana's consent, sends the referral; the partner accepts and completes it through its
link (no account); Dana's rating shows on the service. axe on every page, and a phone view."""

from __future__ import annotations

import re

import pytest

from strengthwise.core.testing_browser import (
    PHONE,
    assert_page_assets_loaded,
    assert_wcag_clean,
    screenshot,
)
from strengthwise.directory.testing import make_service
from strengthwise.people.personas import create_personas
from strengthwise.plans import services as plan_services
from strengthwise.referrals.models import Referral

pytestmark = pytest.mark.browser


def test_find_consent_refer_partner_completes_and_dana_rates(new_page, sign_in):
    personas = create_personas()
    dana = personas.dana
    dana.home_latitude, dana.home_longitude = 38.627, -90.199
    dana.save()
    plan = plan_services.plan_start(acting_user=personas.alice, client=dana)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Save enough for the course fees",
            "author": "client",
            "domain": "financial",
        },
    )
    workshop = make_service(
        "Money Basics evening workshop",
        org_name="River City Credit Union Foundation",
        term="Financial literacy",
        domains=("financial",),
        languages=("en", "es"),
        at=(38.637, -90.199),
        hours=(("TU,TH", "18:00", "20:30"),),
    )
    make_service("Night shelter", term="Shelter", domains=("daily_living",), at=(38.62, -90.19))

    page = new_page()
    sign_in(page, "alice")
    # From the goal on her plan: "Find services that may help".
    page.goto(f"/clients/{dana.pk}/plan/")
    page.get_by_role("link", name=re.compile("Find services that may help")).first.click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/find-help/\?goal={goal.pk}"))
    assert_page_assets_loaded(page, "find help for a goal")
    assert_wcag_clean(page, "find help for a goal")
    first = page.locator("ol.results > li").first
    assert "Money Basics evening workshop" in first.inner_text()
    assert "Fits the goal's domain" in first.inner_text()
    screenshot(page, "find-help-for-goal")

    # Save it to her list (htmx), then refer.
    first.get_by_role("button", name="Save to their list").click()
    page.get_by_text("On the saved list").first.wait_for()
    first.get_by_role("link", name="Refer").click()
    page.wait_for_url(re.compile(r"/referrals/new/"))
    assert "There is no consent in force" in page.content()
    assert_wcag_clean(page, "referral form without consent")

    # Record consent (e-signature) and come back to the referral.
    page.get_by_role("link", name="Record consent").first.click()
    page.wait_for_url(re.compile(r"/consents/new/"))
    assert_wcag_clean(page, "consent form")
    # The organisation is already chosen in the typeahead that replaced the plain list.
    page.locator("#org-q").wait_for()
    assert page.get_by_role("radio", name="River City Credit Union Foundation").is_checked()
    page.get_by_role("radio", name="Typed by the client on the worker's device").check()
    page.get_by_label("The client types their own name here").fill("Dana Whitfield")
    page.get_by_label(re.compile("I told the client they can withdraw")).check()
    page.get_by_role("button", name="Record consent").click()
    page.wait_for_url(re.compile(r"/referrals/new/"))
    assert "Consent in force for this organisation" in page.content()

    page.get_by_label("What we are asking for").fill("Dana would like the Tuesday evening group.")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/referrals/\d+/$"))
    assert "Referral sent to River City Credit Union Foundation" in page.content()
    assert_wcag_clean(page, "referral sent")
    link = page.locator("#partner-link").input_value()
    assert "/partner/referrals/" in link

    # The partner, in its own browser context and without an account.
    partner = new_page()
    partner.goto(link)
    assert "Dana would like the Tuesday evening group." in partner.content()
    assert "Save enough for the course fees" in partner.content()
    assert_wcag_clean(partner, "partner page")
    partner.get_by_label("Accepted").check()
    partner.get_by_role("button", name="Update the referral").click()
    partner.get_by_label("Completed").check()
    partner.get_by_label(re.compile("What you did")).fill("Dana came to all four sessions.")
    partner.get_by_role("button", name="Update the referral").click()
    partner.get_by_text(re.compile("This referral is closed")).wait_for()

    # Back with alice: the loop closed.
    page.reload()
    assert "Dana came to all four sessions." in page.content()

    # Dana rates it herself, in the portal, on her phone.
    from strengthwise.portal import services as portal_services

    _, code = portal_services.invitation_create(acting_user=personas.alice, client=dana)
    own = new_page(viewport=PHONE)
    own.goto(f"/portal/start/?code={code}")
    own.fill("#id_login", "dana.w")
    own.fill("#id_password", "a long walk by the river")
    own.fill("#id_password_again", "a long walk by the river")
    own.locator("form button.primary").click()
    own.wait_for_url(re.compile(r"/portal/home/$"))
    own.get_by_role("link", name="My help").first.click()
    own.wait_for_url(re.compile(r"/portal/help/$"))
    assert_wcag_clean(own, "my help, a finished referral to rate")
    own.get_by_label("Yes, a lot").check()
    own.get_by_label(re.compile("Anything you want to say")).fill("I have a budget that works")
    own.get_by_role("button", name="Send my answer").click()
    own.get_by_text(re.compile("You said:")).wait_for()
    referral = Referral.objects.get(client=dana)
    assert (referral.status, referral.helpful) == ("completed", 5)
    assert referral.goal == goal

    page.goto(f"/directory/services/{workshop.pk}/")
    assert "5.0 out of 5, from 1 client rating" in page.content()
    assert "I have a budget that works" in page.content()
    assert_wcag_clean(page, "service page with rating")

    # The referrals page on a phone.
    phone = new_page(viewport=PHONE)
    sign_in(phone, "alice")
    phone.goto(f"/clients/{dana.pk}/referrals/")
    assert_wcag_clean(phone, "referrals page on a phone")
    screenshot(phone, "referrals-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
