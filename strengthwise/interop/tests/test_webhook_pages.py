"""Settings → Webhooks and /api/v1/webhooks: an agency admin registers endpoints, turns them
off and on, rotates the secret and removes them, through the same services (page and API give
the same answers); the secret is shown once and never lands in the audit trail or a log; bad
input is refused with the reason and writes nothing; the delivery log is shown; nobody else —
workers, supervisors, the program manager, another agency's admin — sees any of it (404)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strengthwise.accounts.models import Role, User
from strengthwise.audit.models import AuditEvent
from strengthwise.interop import webhooks
from strengthwise.interop.models import WebhookDelivery, WebhookEndpoint
from strengthwise.interop.tests.test_webhooks import Receiver, _consent, _revoke

LIST = "/settings/webhooks/"
API = "/api/v1/webhooks"


@pytest.fixture
def other_admin(personas: Any) -> User:
    """Eastgate's agency admin: an admin, of another agency."""
    return User.objects.create(username="eve", agency=personas.eastgate, role=Role.ADMIN)


def _add(personas: Any, url: str = "https://hooks.example.org/sw", events=("consent.revoked",)):
    return webhooks.endpoint_add(
        agency_id=personas.river_city.pk, url=url, events=list(events), acting_user=personas.admin
    )


def _audit_text() -> str:
    return " ".join(
        f"{e.action} {e.actor_label} {e.target_id} {e.changes}" for e in AuditEvent.objects.all()
    )


# --- adding: the secret once, and nowhere else --------------------------------------------------


def test_an_admin_adds_an_endpoint_on_the_page_and_sees_its_secret_once(
    personas, web, caplog, audit_events
):
    caplog.set_level(logging.DEBUG)
    browser = web(personas.admin)
    page = browser.get(LIST)
    assert page.status_code == 200 and "No endpoint yet." in page.content.decode()
    answer = browser.post(
        LIST,
        {"url": "https://hooks.example.org/sw", "events": ["consent.revoked", "plan.signed"]},
    )
    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.agency_id == personas.river_city.pk and endpoint.created_by == personas.admin
    assert endpoint.events == ["consent.revoked", "plan.signed"]
    html = answer.content.decode()
    assert endpoint.secret in html
    assert "copy it now, it will not be shown again" in html
    assert answer["Cache-Control"] == "no-store"
    again = browser.get(LIST).content.decode()
    assert "https://hooks.example.org/sw" in again and endpoint.secret not in again
    (event,) = audit_events("webhook.endpoint_added")
    assert event.actor_id == personas.admin.pk and event.agency_id == personas.river_city.pk
    assert event.changes["events"] == [None, ["consent.revoked", "plan.signed"]]
    assert endpoint.secret not in _audit_text()
    assert endpoint.secret not in caplog.text


def test_the_api_creates_with_the_secret_in_that_answer_only(personas, api, caplog):
    caplog.set_level(logging.DEBUG)
    client = api(personas.admin)
    answer = client.post(API, {"url": "https://hooks.example.org/sw", "events": ["plan.signed"]})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    secret = body["secret"]
    assert WebhookEndpoint.objects.get(pk=body["id"]).secret == secret
    assert body["events"] == ["plan.signed"] and body["active"] is True
    assert body["removed_at"] is None and body["recent_deliveries"] == []
    listed = client.get(API)
    assert [e["id"] for e in listed.json()] == [body["id"]]
    assert "secret" not in listed.json()[0] and secret not in listed.content.decode()
    one = client.get(f"{API}/{body['id']}")
    assert one.status_code == 200 and secret not in one.content.decode()
    assert secret not in _audit_text() and secret not in caplog.text


def test_a_repeated_create_with_its_idempotency_key_creates_nothing_more(personas, api):
    client = api(personas.admin)
    key = {"Idempotency-Key": "hook-1"}
    body = {"url": "https://hooks.example.org/sw", "events": ["plan.signed"]}
    assert client.post(API, body, headers=key).status_code == 201
    again = client.post(API, body, headers=key)
    # The first answer held the secret, which is never stored: no replay of it, and no twin.
    assert again.status_code == 409 and "secret" in again.json()["detail"]
    assert WebhookEndpoint.objects.count() == 1


# --- refused: the same reasons on the page and in the API, nothing written -----------------------

BAD = [
    ({"url": "", "events": ["plan.signed"]}, "url", "Enter the address"),
    ({"url": "ftp://hooks.example.org/x", "events": ["plan.signed"]}, "url", "whole web address"),
    ({"url": "not an address", "events": ["plan.signed"]}, "url", "whole web address"),
    ({"url": "https://me:pw@hooks.example.org/", "events": ["plan.signed"]}, "url", "password"),
    ({"url": "https://hooks.example.org/x", "events": []}, "events", "at least one event"),
    ({"url": "https://hooks.example.org/x", "events": ["client.deleted"]}, "events", "Unknown"),
]


@pytest.mark.parametrize(("data", "field", "reason"), BAD)
def test_bad_input_is_refused_with_the_reason_on_page_and_api_alike(
    personas, web, api, data, field, reason
):
    page = web(personas.admin).post(LIST, data)
    assert page.status_code == 400
    html = page.content.decode()
    assert f'id="id_{field}_error"' in html and reason in html  # the error beside its field
    answer = api(personas.admin).post(API, data)
    assert answer.status_code == 400, answer.content
    assert any(reason in problem for problem in answer.json()["errors"][field])
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="webhook.").exists()


def test_the_service_names_the_unknown_event(personas):
    with pytest.raises(webhooks.ValidationFailed) as refused:
        _add(personas, events=["client.deleted"])
    assert "client.deleted" in refused.value.field_errors["events"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.org/x",
        "https://127.0.0.1/x",
        "https://localhost:8443/",
        "https://10.1.2.3/",
    ],
)
def test_without_the_development_setting_only_https_on_the_internet_is_taken(
    personas, web, api, settings, url
):
    settings.STRENGTHWISE_WEBHOOKS_ALLOW_HTTP = False
    page = web(personas.admin).post(LIST, {"url": url, "events": ["plan.signed"]})
    assert page.status_code == 400 and 'id="id_url_error"' in page.content.decode()
    answer = api(personas.admin).post(API, {"url": url, "events": ["plan.signed"]})
    assert answer.status_code == 400 and answer.json()["errors"]["url"]
    with pytest.raises(CommandError):
        call_command("webhook", "add", url, "--agency", "river-city", "--event", "plan.signed")
    assert not WebhookEndpoint.objects.exists()


def test_the_audit_trail_keeps_the_address_without_its_query(personas, audit_events):
    # A receiver may take its own key in the query: the trail does not copy it.
    _add(personas, url="https://hooks.example.org/sw?key=receivers-own-key")
    (event,) = audit_events("webhook.endpoint_added")
    assert event.changes["url"] == [None, "https://hooks.example.org/sw?[hidden]"]
    assert "receivers-own-key" not in _audit_text()


def test_tests_and_development_keep_their_loopback_receivers(personas):
    endpoint, _secret = _add(personas, url="http://127.0.0.1:9/hook")
    assert endpoint.url == "http://127.0.0.1:9/hook"


# --- off and on, rotate, remove --------------------------------------------------------------------


def test_turned_off_nothing_is_sent_turned_on_what_waited_goes(personas, web, audit_events):
    receiver = Receiver()
    try:
        endpoint, _secret = _add(personas, url=receiver.url)
        browser = web(personas.admin)
        off = browser.post(f"{LIST}{endpoint.pk}/active/", {"active": "0"})
        assert off.status_code == 302
        assert WebhookEndpoint.objects.get().active is False
        _revoke(personas, _consent(personas))
        assert not WebhookDelivery.objects.exists()  # not queued while off
        page = browser.get(LIST).content.decode()
        assert "Turn on" in page and "nothing is sent to" in page
        browser.post(f"{LIST}{endpoint.pk}/active/", {"active": "1"})
        assert WebhookEndpoint.objects.get().active is True
        changes = [e.changes["active"] for e in audit_events("webhook.endpoint_changed")]
        assert changes == [[True, False], [False, True]]
        _revoke(personas, _consent(personas))
        assert webhooks.deliver_due().delivered == 1 and len(receiver.received) == 1
    finally:
        receiver.close()


def test_a_waiting_delivery_waits_while_its_endpoint_is_off(personas, api):
    endpoint, _secret = _add(personas, url="http://127.0.0.1:9/nobody")
    _revoke(personas, _consent(personas))
    response = api(personas.admin).patch(f"{API}/{endpoint.pk}", {"active": False})
    assert response.status_code == 200 and response.json()["active"] is False
    assert response.json()["waiting"] == 1
    assert webhooks.deliver_due() == webhooks.Sent(0, 0, 0)
    assert WebhookDelivery.objects.get().attempts == 0


def test_a_rotated_secret_is_shown_once_and_signs_from_then_on(personas, web, api, caplog):
    caplog.set_level(logging.DEBUG)
    receiver = Receiver()
    try:
        endpoint, first = _add(personas, url=receiver.url)
        page = web(personas.admin).post(f"{LIST}{endpoint.pk}/rotate/")
        second = WebhookEndpoint.objects.get().secret
        assert page.status_code == 200 and second != first
        assert second in page.content.decode() and page["Cache-Control"] == "no-store"
        answer = api(personas.admin).post(f"{API}/{endpoint.pk}/rotate", {})
        assert answer.status_code == 200
        third = answer.json()["secret"]
        assert third not in (first, second) and WebhookEndpoint.objects.get().secret == third
        _revoke(personas, _consent(personas))
        webhooks.deliver_due()
        ((headers, body),) = receiver.received
        signature = headers["Strengthwise-Signature"]
        assert webhooks.verify(third, signature, body)
        assert not webhooks.verify(first, signature, body)
        assert not webhooks.verify(second, signature, body)
        events = AuditEvent.objects.filter(action="webhook.secret_rotated")
        assert events.count() == 2
        for secret in (first, second, third):
            assert secret not in _audit_text() and secret not in caplog.text
    finally:
        receiver.close()


def test_removing_asks_first_then_keeps_the_log_and_sends_nothing_more(personas, web, audit_events):
    endpoint, _secret = _add(personas, url="http://127.0.0.1:9/nobody")
    _revoke(personas, _consent(personas))
    browser = web(personas.admin)
    ask = browser.get(f"{LIST}{endpoint.pk}/remove/")
    assert ask.status_code == 200 and "Remove the endpoint" in ask.content.decode()
    assert WebhookEndpoint.objects.get().removed_at is None  # asking changes nothing
    assert browser.post(f"{LIST}{endpoint.pk}/remove/").status_code == 302
    removed = WebhookEndpoint.objects.get()
    assert removed.removed_at is not None and not removed.active and removed.secret == ""
    delivery = WebhookDelivery.objects.get()  # the log stays
    assert delivery.gave_up_at is not None
    _revoke(personas, _consent(personas))
    assert WebhookDelivery.objects.count() == 1 and webhooks.deliver_due().delivered == 0
    (event,) = audit_events("webhook.endpoint_removed")
    assert event.changes["deliveries_given_up"] == [0, 1]
    page = browser.get(LIST).content.decode()
    assert "removed" in page and str(delivery.event_id) in page
    assert f"{LIST}{endpoint.pk}/rotate/" not in page  # nothing more to do with it


def test_the_api_removes_and_a_removed_endpoint_changes_no_more(personas, api):
    endpoint, _secret = _add(personas)
    client = api(personas.admin)
    assert client.http.delete(f"{API}/{endpoint.pk}", headers=client.headers).status_code == 204
    shown = client.get(f"{API}/{endpoint.pk}").json()
    assert shown["removed_at"] is not None and shown["active"] is False
    for answer in (
        client.patch(f"{API}/{endpoint.pk}", {"active": True}),
        client.post(f"{API}/{endpoint.pk}/rotate", {}),
        client.http.delete(f"{API}/{endpoint.pk}", headers=client.headers),
    ):
        assert answer.status_code == 400 and "removed" in answer.json()["detail"]
    assert AuditEvent.objects.filter(action="webhook.endpoint_removed").count() == 1


# --- the delivery log ------------------------------------------------------------------------------


def test_the_delivery_log_shows_each_attempt_on_page_and_api(personas, web, api):
    failing = Receiver(status=503)
    try:
        endpoint, _secret = _add(personas, url=failing.url)
        _revoke(personas, _consent(personas))
        assert webhooks.deliver_due().failed == 1
        delivery = WebhookDelivery.objects.get()
        page = web(personas.admin).get(LIST).content.decode()
        assert str(delivery.event_id) in page and "consent.revoked" in page
        assert "503" in page and "next try" in page
        (shown,) = api(personas.admin).get(f"{API}/{endpoint.pk}").json()["recent_deliveries"]
        assert shown["event_id"] == str(delivery.event_id) and shown["event"] == "consent.revoked"
        assert shown["attempts"] == 1 and shown["last_status"] == 503
        assert shown["state"] == "waiting" and shown["next_attempt_at"] is not None
        failing.status = 200
        webhooks.deliver_due(now=delivery.next_attempt_at)
        (shown,) = api(personas.admin).get(f"{API}/{endpoint.pk}").json()["recent_deliveries"]
        assert shown["state"] == "delivered" and shown["attempts"] == 2
        assert shown["next_attempt_at"] is None
        assert "delivered" in web(personas.admin).get(LIST).content.decode()
    finally:
        failing.close()


def test_the_list_costs_the_same_queries_however_many_endpoints_and_deliveries(personas, web):
    browser = web(personas.admin)
    _add(personas, url="http://127.0.0.1:9/a")
    _revoke(personas, _consent(personas))
    with CaptureQueriesContext(connection) as few:
        assert browser.get(LIST).status_code == 200
    for n in range(3):
        _add(personas, url=f"http://127.0.0.1:9/b{n}")
    for _ in range(3):
        _revoke(personas, _consent(personas))
    with CaptureQueriesContext(connection) as many:
        assert browser.get(LIST).status_code == 200
    assert WebhookDelivery.objects.count() == 13
    assert len(many.captured_queries) == len(few.captured_queries)


# --- only the agency's admins ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "priya", "mallory", "other_admin"])
def test_nobody_but_the_agencys_admins_reaches_any_of_it(personas, web, api, who, request):
    user = (
        request.getfixturevalue("other_admin") if who == "other_admin" else getattr(personas, who)
    )
    endpoint, secret = _add(personas)
    browser = web(user)
    client = api(user)
    if who == "other_admin":  # their own agency's page: without ours
        assert browser.get(LIST).status_code == 200 and client.get(API).json() == []
        assert "hooks.example.org" not in browser.get(LIST).content.decode()
    else:
        assert browser.get(LIST).status_code == 404 and client.get(API).status_code == 404
        add = {"url": "https://x.example.org/", "events": ["plan.signed"]}
        assert browser.post(LIST, add).status_code == 404
        assert client.post(API, add).status_code == 404
    for action in ("active", "rotate", "remove"):
        assert browser.post(f"{LIST}{endpoint.pk}/{action}/", {"active": "0"}).status_code == 404
    assert browser.get(f"{LIST}{endpoint.pk}/remove/").status_code == 404
    assert client.get(f"{API}/{endpoint.pk}").status_code == 404
    assert client.patch(f"{API}/{endpoint.pk}", {"active": False}).status_code == 404
    assert client.post(f"{API}/{endpoint.pk}/rotate", {}).status_code == 404
    assert client.http.delete(f"{API}/{endpoint.pk}", headers=client.headers).status_code == 404
    unchanged = WebhookEndpoint.objects.get()
    assert unchanged.active and unchanged.removed_at is None and unchanged.secret == secret
    assert WebhookEndpoint.objects.count() == 1


def test_another_agencys_admin_sees_only_their_own(personas, web, api, other_admin):
    _add(personas)
    ours, _secret = webhooks.endpoint_add(
        agency_id=personas.eastgate.pk,
        url="https://eastgate.example.org/hook",
        events=["plan.signed"],
        acting_user=other_admin,
    )
    page = web(other_admin).get(LIST).content.decode()
    assert "eastgate.example.org" in page and "hooks.example.org" not in page
    assert [e["id"] for e in api(other_admin).get(API).json()] == [ours.pk]


def test_anonymous_visitors_sign_in_first(personas, web, api):
    endpoint, _secret = _add(personas)
    assert "/accounts/sign-in/" in web(None).get(LIST)["Location"]
    assert api(None).get(f"{API}/{endpoint.pk}").status_code == 401


def test_the_settings_page_links_to_webhooks(personas, web):
    assert LIST in web(personas.admin).get("/settings/").content.decode()


# --- the command line uses the same services -------------------------------------------------------


def test_the_command_adds_lists_turns_off_rotates_and_removes(personas, capsys, audit_events):
    call_command(
        "webhook",
        "add",
        "https://hooks.example.org/cli",
        "--agency",
        "river-city",
        "--event",
        "plan.signed",
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in capsys.readouterr().out
    call_command("webhook", "off", str(endpoint.pk))
    call_command("webhook", "rotate", str(endpoint.pk))
    rotated = WebhookEndpoint.objects.get().secret
    assert rotated != endpoint.secret and rotated in capsys.readouterr().out
    call_command("webhook", "remove", str(endpoint.pk))
    call_command("webhook", "list", "--agency", "river-city")
    assert "removed" in capsys.readouterr().out
    actions = [e.action for e in AuditEvent.objects.filter(action__startswith="webhook.")]
    assert actions == [
        "webhook.endpoint_added",
        "webhook.endpoint_changed",
        "webhook.secret_rotated",
        "webhook.endpoint_removed",
    ]
    assert all(
        e.actor_label.startswith("strengthwise webhook")
        for e in audit_events("webhook.endpoint_added")
    )
    with pytest.raises(CommandError, match="removed"):
        call_command("webhook", "on", str(endpoint.pk))


def test_the_admin_guides_signature_check_verifies_a_real_delivery(personas):
    """The receiver's check in docs/guide/admin.md, run as written."""
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[3] / "docs/guide/admin.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", guide, flags=re.S)
    scope: dict[str, Any] = {}
    exec(code, scope)  # noqa: S102 - our own documentation
    receiver = Receiver()
    try:
        _endpoint, secret = _add(personas, url=receiver.url)
        _revoke(personas, _consent(personas))
        webhooks.deliver_due()
        ((headers, body),) = receiver.received
        assert scope["verified"](secret, headers["Strengthwise-Signature"], body)
        assert not scope["verified"]("another secret", headers["Strengthwise-Signature"], body)
    finally:
        receiver.close()
