"""Signed webhooks: an event becomes an outbox row in the transaction of the change (none if it
rolls back), a delivery to a loopback receiver verifies with the endpoint's secret and not with
another, a failing receiver is retried with backoff until it answers, a timeout costs the user's
request nothing (delivery happens later), and payloads carry ids only."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from strengthwise.interop import webhooks
from strengthwise.interop.models import WebhookDelivery
from strengthwise.referrals import services as referral_services
from strengthwise.referrals.models import Consent


class Receiver:
    """A loopback HTTP server that records what it receives and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _consent(personas):
    from strengthwise.directory.testing import make_service

    service = make_service("Money Basics", org_name="River City Credit Union Foundation")
    return referral_services.consent_record(
        acting_user=personas.alice,
        client=personas.dana,
        fields={
            "information": ["contact"],
            "organization": service.organization,
            "purpose": "referral",
            "valid_from": timezone.localdate() - dt.timedelta(days=1),
            "valid_until": timezone.localdate() + dt.timedelta(days=300),
            "method": Consent.Method.E_SIGNATURE,
            "signed_name": "Dana Whitfield",
            "right_to_revoke_explained": True,
        },
    )


def _revoke(personas, consent):
    referral_services.consent_revoke(
        acting_user=personas.alice,
        consent=consent,
        revoked_on=timezone.localdate(),
        revoked_by="Dana",
    )


def test_a_delivery_is_signed_carries_ids_only_and_goes_once(personas, receiver):
    endpoint, secret = webhooks.endpoint_add(
        agency_id=personas.dana.agency_id, url=receiver.url, events=["consent.revoked"]
    )
    _revoke(personas, _consent(personas))
    assert webhooks.deliver_due().delivered == 1
    assert webhooks.deliver_due().delivered == 0  # nothing twice
    ((headers, body),) = receiver.received
    assert webhooks.verify(secret, headers["Strengthwise-Signature"], body)
    assert not webhooks.verify("another secret", headers["Strengthwise-Signature"], body)
    payload = json.loads(body)
    assert (
        payload["type"] == "consent.revoked" and payload["id"] == headers["Strengthwise-Event-Id"]
    )
    assert payload["data"]["client_id"] == personas.dana.pk
    assert "Dana" not in body.decode() and "Whitfield" not in body.decode()


def test_nothing_is_queued_when_the_change_rolls_back(personas):
    webhooks.endpoint_add(
        agency_id=personas.dana.agency_id, url="http://127.0.0.1:9/x", events=["consent.revoked"]
    )
    consent = _consent(personas)
    with pytest.raises(RuntimeError), transaction.atomic():
        _revoke(personas, consent)
        raise RuntimeError("the request failed after the change")
    assert not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(personas):
    failing = Receiver(status=500)
    try:
        webhooks.endpoint_add(
            agency_id=personas.dana.agency_id, url=failing.url, events=["consent.revoked"]
        )
        _revoke(personas, _consent(personas))
        assert webhooks.deliver_due().failed == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.attempts == 1 and delivery.last_status == 500
        assert delivery.next_attempt_at > timezone.now()
        assert webhooks.deliver_due().failed == 0  # not due yet
        failing.status = 200
        later = timezone.now() + dt.timedelta(minutes=2)
        assert webhooks.deliver_due(now=later).delivered == 1
        assert WebhookDelivery.objects.get().delivered_at is not None
        assert len(failing.received) == 2
    finally:
        failing.close()


def test_an_unreachable_receiver_costs_the_request_nothing(personas):
    # The change and its outbox row commit at once; the send happens later, and fails alone.
    webhooks.endpoint_add(
        agency_id=personas.dana.agency_id,
        url="http://127.0.0.1:9/nobody",
        events=["consent.revoked"],
    )
    _revoke(personas, _consent(personas))
    assert WebhookDelivery.objects.filter(delivered_at__isnull=True).count() == 1
    sent = webhooks.deliver_due()
    assert sent.failed == 1 and "Error" in WebhookDelivery.objects.get().last_response


def test_a_host_name_that_resolves_to_a_private_network_is_not_sent_to(
    personas, settings, monkeypatch
):
    # Registered as a public name; at send time it points at the agency's own network (a name
    # re-pointed after it was checked): nothing leaves, the log says why, it is tried again.
    import httpx

    settings.STRENGTHWISE_WEBHOOKS_ALLOW_HTTP = False
    webhooks.endpoint_add(
        agency_id=personas.dana.agency_id,
        url="https://partners.example.org/hooks",
        events=["consent.revoked"],
    )
    sent = []
    client = httpx.Client(
        transport=httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    )
    points_at = ["10.0.0.5"]

    def resolve(host, port, *args, **kwargs):
        assert host == "partners.example.org"
        return [(2, 1, 6, "", (address, 0)) for address in points_at]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", resolve)
    _revoke(personas, _consent(personas))
    assert webhooks.deliver_due(client=client).failed == 1
    delivery = WebhookDelivery.objects.get()
    assert sent == [] and delivery.last_status is None
    assert "private network" in delivery.last_response
    # Put right (the name points at a public address): sent at the next try.
    points_at[:] = ["93.184.216.34"]
    later = timezone.now() + dt.timedelta(minutes=2)
    assert webhooks.deliver_due(now=later, client=client).delivered == 1
    assert len(sent) == 1
    # One private address among several is enough to refuse.
    points_at[:] = ["93.184.216.34", "127.0.0.1"]
    assert "private network" in webhooks._resolves_privately("https://partners.example.org/x")
