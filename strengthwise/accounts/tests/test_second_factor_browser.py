"""Setting up the second factor in a real browser, on a phone-sized screen: scan (the QR code is
inline SVG), type the app's code, keep the recovery codes, land on the caseload; then the next
sign-in asks for a code. Each page passes axe."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP

from strengthwise.accounts.models import StaffAuthenticator
from strengthwise.core.testing_browser import (
    PHONE,
    assert_no_horizontal_scroll,
    assert_page_assets_loaded,
    assert_wcag_clean,
    screenshot,
)
from strengthwise.people.personas import DEMO_PASSWORD, create_personas

pytestmark = pytest.mark.browser


def _code(device: StaffAuthenticator) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_a_worker_sets_up_the_second_factor_on_a_phone(new_page, sign_in):
    create_personas()
    page = new_page(viewport=PHONE)
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))
    assert page.locator(".qr svg").count() == 1
    assert_page_assets_loaded(page, "second factor set-up")
    assert_wcag_clean(page, "second factor set-up")
    assert_no_horizontal_scroll(page, "second factor set-up")
    screenshot(page, "second-factor-setup-phone")

    page.fill("#id_code", "000000")
    page.get_by_role("button", name="Turn on the second factor").click()
    assert "did not match" in page.locator(".error-summary, .error").first.inner_text()
    device = StaffAuthenticator.objects.get(user__username="carol")
    device.throttling_failure_count = 0  # the failure slowed the device down; skip the wait
    device.save()
    page.fill("#id_code", _code(device))
    page.get_by_role("button", name="Turn on the second factor").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert page.locator(".recovery-codes li").count() == 10
    assert_wcag_clean(page, "recovery codes")
    page.get_by_role("link", name=re.compile("I have kept them")).click()
    page.wait_for_url(re.compile(r"/clients/$"))

    again = new_page()
    sign_in(again, "carol")  # the second sign-in asks for a code (a recovery code here)
    assert again.url.endswith("/clients/")
