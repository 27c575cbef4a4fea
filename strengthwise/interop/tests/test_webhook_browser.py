"""Settings → Webhooks in a real browser: an admin adds an endpoint with the keyboard's labels,
sees the secret once, reads the delivery log, is told what is wrong beside the field, and is
asked before removing — every state WCAG 2.1 A/AA clean (axe) and not scrolling sideways on a
tablet."""

from __future__ import annotations

import re

import pytest

from strengthwise.core.testing_browser import (
    assert_no_horizontal_scroll,
    assert_wcag_clean,
    expect,
    screenshot,
)
from strengthwise.interop import webhooks
from strengthwise.interop.models import WebhookEndpoint
from strengthwise.interop.tests.test_webhooks import _consent, _revoke
from strengthwise.people.personas import create_personas

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


def _check(page, what: str) -> None:
    assert_no_horizontal_scroll(page, what)
    assert_wcag_clean(page, what)


def test_an_admin_manages_webhooks_in_the_browser(new_page, sign_in):
    personas = create_personas()
    endpoint, _secret = webhooks.endpoint_add(
        agency_id=personas.river_city.pk,
        url="http://127.0.0.1:9/an-address-that-does-not-answer",
        events=["consent.revoked"],
        acting_user=personas.admin,
    )
    _revoke(personas, _consent(personas))
    webhooks.deliver_due()  # one failed attempt in the log
    page = new_page(TABLET)
    sign_in(page, "admin")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(page.get_by_text("next try", exact=False)).to_be_visible()
    _check(page, "the webhooks page with a delivery log")
    screenshot(page, "webhooks-list")

    page.get_by_role("textbox", name="Address").fill("ftp://hooks.example.org/x")
    page.get_by_label(re.compile("^plan.signed")).check()
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator("#id_url_error")).to_contain_text("whole web address")
    _check(page, "the webhooks page refusing an address")

    page.get_by_role("textbox", name="Address").fill("https://hooks.example.org/sw")
    page.get_by_role("button", name="Add the endpoint").click()
    added = WebhookEndpoint.objects.get(url="https://hooks.example.org/sw")
    expect(page.get_by_text("copy it now, it will not be shown again", exact=False)).to_be_visible()
    expect(page.locator("code.secret")).to_have_text(added.secret)
    _check(page, "the webhooks page showing a new secret")

    page.goto(f"/settings/webhooks/{endpoint.pk}/remove/")
    _check(page, "the remove confirmation")
    page.get_by_role("button", name="Remove the endpoint").click()
    expect(page.get_by_text("Its deliveries stay listed", exact=False)).to_be_visible()
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).removed_at is not None
    _check(page, "the webhooks page with a removed endpoint")
