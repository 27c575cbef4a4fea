"""Referrals end to end through services, pages, the partner link and the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from strengthwise.directory.models import ServiceRating
from strengthwise.referrals import selectors, services
from strengthwise.referrals.models import Referral, ReferralEvent, ServiceDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(personas, workshop, consent_for):
    consent_for(workshop)
    return services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=workshop,
        information=["contact", "goals"],
        request_note="Dana would like the Tuesday evening group.",
    )


def partner_url(referral):
    referral.refresh_from_db()
    return reverse("referrals:partner", args=[services.partner_token(referral)])


# --- the loop through the partner link -------------------------------------------------------


def test_partner_accepts_and_completes_through_link(personas, sent, web, audit_events):
    url = partner_url(sent)
    anonymous = web()
    page = anonymous.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dana would like the Tuesday evening group." in html
    assert page["Referrer-Policy"] == "same-origin"
    assert audit_events("referral.partner_viewed")
    response = anonymous.post(url, {"status": "accepted", "version": 2})
    assert response.status_code == 302
    anonymous.post(url, {"status": "in-progress"})
    anonymous.post(url, {"status": "completed", "outcome": "Dana finished all four sessions."})
    sent.refresh_from_db()
    assert sent.status == "completed"
    assert sent.outcome == "Dana finished all four sessions."
    assert sent.finished_at is not None
    events = list(ReferralEvent.objects.filter(referral=sent).values_list("to_status", "side"))
    assert events == [
        ("requested", "requester"),
        ("accepted", "receiver"),
        ("in-progress", "receiver"),
        ("completed", "receiver"),
    ]
    labels = {e.actor_label for e in ReferralEvent.objects.filter(side="receiver")}
    assert labels == {"River City Credit Union Foundation (partner link)"}
    changes = audit_events("referral.status_changed")
    assert changes[-1].actor_label.startswith("River City Credit Union Foundation")


def test_partner_cannot_set_requester_statuses_or_skip(personas, sent, web):
    url = partner_url(sent)
    response = web().post(url, {"status": "entered-in-error", "reason": "x"})
    assert response.status_code in (403, 409)
    response = web().post(url, {"status": "completed"})
    assert response.status_code == 409
    response = web().post(url, {"status": "rejected", "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.content.decode().lower()
    sent.refresh_from_db()
    assert sent.status == "requested"


def test_partner_sees_only_consented_information(personas, workshop, consent_for, web):
    dana = personas.dana
    dana.phone = "555-0100"
    dana.save()
    consent_for(workshop, information=["goals"])
    referral = services.referral_create(
        acting_user=personas.alice, client=dana, service=workshop, information=["goals"]
    )
    html = web().get(partner_url(referral)).content.decode()
    assert "555-0100" not in html
    assert str(dana.date_of_birth.year) not in html if dana.date_of_birth else True
    assert dana.legal_last_name not in html


def test_tampered_expired_and_reissued_links_refused(personas, sent, web):
    url = partner_url(sent)
    token = url.rstrip("/").split("/")[-1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert web().get(reverse("referrals:partner", args=[tampered])).status_code == 404
    forged = signing.dumps({"r": sent.pk, "n": "guess"}, salt="wrong-salt")
    assert web().get(reverse("referrals:partner", args=[forged])).status_code == 404
    other_nonce = signing.dumps({"r": sent.pk, "n": "0" * 16}, salt=services.PARTNER_SALT)
    assert web().get(reverse("referrals:partner", args=[other_nonce])).status_code == 404
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert web().get(url).status_code == 404
    services.partner_link_reissue(acting_user=personas.alice, referral=sent)
    assert web().get(url).status_code == 404
    assert web().get(partner_url(sent)).status_code == 200


def test_link_is_for_one_referral(personas, workshop, consent_for, web):
    consent_for(workshop)
    first = services.referral_create(
        acting_user=personas.alice, client=personas.dana, service=workshop, information=["contact"]
    )
    second = services.referral_create(
        acting_user=personas.alice, client=personas.dana, service=workshop, information=["contact"]
    )
    web().post(partner_url(first), {"status": "accepted"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("accepted", "requested")


# --- rating, follow-ups, deliveries ------------------------------------------------------------


def test_rating_shows_on_the_service(personas, sent, web):
    with pytest.raises(Exception, match="once it is finished"):
        services.referral_rate(acting_user=personas.alice, referral=sent, helpful=5)
    url = partner_url(sent)
    web().post(url, {"status": "accepted"})
    web().post(url, {"status": "completed", "outcome": "done"})
    alice = web(personas.alice)
    response = alice.post(
        reverse("referrals:referral-rate", args=[personas.dana.pk, sent.pk]),
        {"helpful": 5, "comment": "I have a budget now", "rated_by": "client"},
    )
    assert response.status_code == 302
    assert ServiceRating.objects.get(referral_id=sent.pk).helpful == 5
    page = alice.get(reverse("directory:service", args=[sent.service_id])).content.decode()
    assert "5.0 out of 5, from 1 client rating" in page
    assert "I have a budget now" in page
    # Another agency's staff see the mean but not the client's words.
    other = web(personas.mallory).get(reverse("directory:service", args=[sent.service_id]))
    assert "I have a budget now" not in other.content.decode()


def test_requested_too_long_becomes_a_follow_up(personas, sent):
    assert selectors.follow_ups(personas.alice)["referrals"] == []
    later = timezone.localdate() + dt.timedelta(days=5)
    due = selectors.follow_ups(personas.alice, today=later)["referrals"]
    assert [r.pk for r in due] == [sent.pk]
    assert selectors.follow_ups(personas.carol, today=later)["referrals"] == []


def test_expiring_consent_is_a_task(personas, workshop, consent_for):
    consent_for(workshop, valid_until=timezone.localdate() + dt.timedelta(days=10))
    assert len(selectors.follow_ups(personas.alice)["consents"]) == 1
    assert selectors.follow_ups(personas.mallory)["consents"] == []


def test_delivery_logged_against_goal(personas, web):
    response = web(personas.alice).post(
        reverse("referrals:delivery-add", args=[personas.dana.pk]),
        {
            "what": "Bus pass",
            "delivered_on": timezone.localdate().isoformat(),
            "units": "2",
            "unit": "items",
        },
    )
    assert response.status_code == 302
    delivery = ServiceDelivery.objects.get()
    assert delivery.delivered_by == personas.alice.label
    bad = web(personas.alice).post(
        reverse("referrals:delivery-add", args=[personas.dana.pk]),
        {"what": "", "delivered_on": "2999-01-01", "units": "-1", "unit": "items"},
    )
    assert bad.status_code == 302
    assert ServiceDelivery.objects.count() == 1


# --- pages ---------------------------------------------------------------------------------------


def test_pages_render_for_alice(personas, sent, web):
    alice = web(personas.alice)
    dana = personas.dana
    for url in [
        reverse("referrals:client", args=[dana.pk]),
        reverse("referrals:referral", args=[dana.pk, sent.pk]),
        reverse("referrals:consent-new", args=[dana.pk]),
        reverse("referrals:referral-new", args=[dana.pk]) + f"?service={sent.service_id}",
        reverse("people:client-detail", args=[dana.pk]),
    ]:
        response = alice.get(url)
        assert response.status_code == 200, url
    detail = alice.get(reverse("referrals:referral", args=[dana.pk, sent.pk])).content.decode()
    assert "/partner/referrals/" in detail


def test_send_from_page_without_consent_shows_why(personas, workshop, web):
    response = web(personas.alice).post(
        reverse("referrals:referral-new", args=[personas.dana.pk]),
        {"service": workshop.pk, "purpose": "referral", "information": ["contact"], "send": "1"},
    )
    assert response.status_code == 400
    assert "No consent on record" in response.content.decode()
    assert not Referral.objects.exists()


def test_consent_page_records_and_validates(personas, workshop, web):
    alice = web(personas.alice)
    url = reverse("referrals:consent-new", args=[personas.dana.pk])
    bad = alice.post(url, {"information": ["contact"], "method": "verbal", "purpose": "referral"})
    assert bad.status_code == 400
    good = alice.post(
        url,
        {
            "information": ["contact", "goals"],
            "organization": str(workshop.organization_id),
            "purpose": "referral",
            "valid_from": timezone.localdate().isoformat(),
            "valid_until": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
            "method": "verbal",
            "witness_name": "Bob Okafor",
        },
    )
    assert good.status_code == 302
    assert personas.dana.consents.get().witness_name == "Bob Okafor"


@pytest.mark.parametrize("who", ["carol", "mallory"])
def test_outsiders_get_404_everywhere(personas, sent, web, api, who):
    user = getattr(personas, who)
    dana = personas.dana
    consent = dana.consents.get()
    browser = web(user)
    for url in [
        reverse("referrals:client", args=[dana.pk]),
        reverse("referrals:referral", args=[dana.pk, sent.pk]),
        reverse("referrals:consent-new", args=[dana.pk]),
        reverse("referrals:referral-new", args=[dana.pk]) + f"?service={sent.service_id}",
        reverse("directory:find-for-client", args=[dana.pk]),
        reverse("directory:saved", args=[dana.pk]),
        reverse("directory:saved-print", args=[dana.pk]),
        reverse("referrals:consent-document", args=[dana.pk, consent.pk]),
    ]:
        assert browser.get(url).status_code == 404, url
    for url, data in [
        (
            reverse("referrals:referral-transition", args=[dana.pk, sent.pk]),
            {"status": "cancelled", "reason": "x"},
        ),
        (reverse("referrals:referral-rate", args=[dana.pk, sent.pk]), {"helpful": 1}),
        (
            reverse("referrals:consent-revoke", args=[dana.pk, consent.pk]),
            {"revoked_on": "2026-01-01", "revoked_by": "x"},
        ),
        (reverse("referrals:delivery-add", args=[dana.pk]), {"what": "x"}),
        (reverse("directory:saved-add", args=[dana.pk]), {"service": str(sent.service_id)}),
    ]:
        assert browser.post(url, data).status_code == 404, url
    client = api(user)
    assert client.get(f"/api/v1/clients/{dana.pk}/referrals").status_code == 404
    assert client.get(f"/api/v1/clients/{dana.pk}/consents").status_code == 404
    assert client.get(f"/api/v1/referrals/{sent.pk}").status_code == 404
    assert (
        client.post(
            f"/api/v1/referrals/{sent.pk}/transition", {"status": "cancelled", "reason": "x"}
        ).status_code
        == 404
    )
    sent.refresh_from_db()
    assert sent.status == "requested"


# --- API ---------------------------------------------------------------------------------------


def test_api_transition_409_lists_allowed_and_403_for_side(personas, sent, api):
    client = api(personas.alice)
    skip = client.post(f"/api/v1/referrals/{sent.pk}/transition", {"status": "in-progress"})
    assert skip.status_code == 409
    assert set(skip.json()["allowed"]) == {"accepted", "rejected", "cancelled", "entered-in-error"}
    side = client.post(
        f"/api/v1/referrals/{sent.pk}/transition", {"status": "accepted", "side": "receiver"}
    )
    assert side.status_code == 403
    no_reason = client.post(f"/api/v1/referrals/{sent.pk}/transition", {"status": "cancelled"})
    assert no_reason.status_code == 400
    services.referral_transition(
        referral=sent, status="accepted", side="receiver", partner_label="Credit union"
    )
    receivers = client.post(f"/api/v1/referrals/{sent.pk}/transition", {"status": "completed"})
    assert receivers.status_code == 403  # allowed from accepted, but the receiver's to set
    ok = client.post(
        f"/api/v1/referrals/{sent.pk}/transition",
        {"status": "cancelled", "reason": "Dana found a closer class", "version": 3},
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["status"] == "cancelled"
    history = client.get(f"/api/v1/referrals/{sent.pk}").json()["history"]
    assert (history[-1]["from"], history[-1]["to"]) == ("accepted", "cancelled")
    stale = client.post(
        f"/api/v1/referrals/{sent.pk}/transition",
        {"status": "entered-in-error", "version": 3},
    )
    assert stale.status_code == 409


def test_api_create_consent_and_referral(personas, workshop, api):
    client = api(personas.alice)
    dana = personas.dana
    refused = client.post(
        f"/api/v1/clients/{dana.pk}/referrals",
        {"service_id": str(workshop.pk), "information": ["contact"]},
    )
    assert refused.status_code == 400
    assert "No consent" in refused.json()["detail"]
    consent = client.post(
        f"/api/v1/clients/{dana.pk}/consents",
        {
            "information": ["contact"],
            "organization_id": str(workshop.organization_id),
            "valid_from": timezone.localdate().isoformat(),
            "valid_until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "method": "e_signature",
            "signed_name": "Dana Whitfield",
        },
    )
    assert consent.status_code == 201, consent.json()
    made = client.post(
        f"/api/v1/clients/{dana.pk}/referrals",
        {"service_id": str(workshop.pk), "information": ["contact"]},
    )
    assert made.status_code == 201
    assert made.json()["status"] == "requested"
    listed = client.get(f"/api/v1/clients/{dana.pk}/referrals").json()
    assert [r["id"] for r in listed] == [made.json()["id"]]
    assert client.get(f"/api/v1/clients/{dana.pk}/consents").json()[0]["state"] == "active"
    bad = client.post(f"/api/v1/clients/{dana.pk}/consents", {"information": ["nonsense"]})
    assert bad.status_code == 422


# --- from the security review ---------------------------------------------------------------


def test_link_shows_nothing_once_the_consent_is_revoked(personas, sent, web):
    dana = personas.dana
    dana.phone = "555-0177"
    dana.save()
    url = partner_url(sent)
    assert "555-0177" in web().get(url).content.decode()
    services.consent_revoke(
        acting_user=personas.alice,
        consent=sent.consent,
        revoked_on=timezone.localdate(),
        revoked_by="Dana",
    )
    page = web().get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "555-0177" not in html and "Tuesday evening group" not in html
    assert "This referral is closed" in html
    refused = web().post(url, {"status": "accepted"})
    assert refused.status_code == 409
    sent.refresh_from_db()
    assert sent.status == "requested"
    with pytest.raises(Exception, match="no longer in force"):
        services.partner_link_reissue(acting_user=personas.alice, referral=sent)


def test_link_of_a_finished_referral_shows_nothing(personas, sent, web):
    url = partner_url(sent)
    services.referral_transition(
        referral=sent,
        status="cancelled",
        side="requester",
        reason="PRIVATE: the client is in detox",
        acting_user=personas.alice,
    )
    html = web().get(url).content.decode()
    assert "PRIVATE" not in html
    assert "Dana" not in html
    with pytest.raises(Exception, match="closed"):
        services.partner_link_reissue(acting_user=personas.alice, referral=sent)


def test_requester_reasons_never_reach_the_partner(personas, sent, web):
    url = partner_url(sent)
    web().post(url, {"status": "accepted"})
    web().post(url, {"status": "on-hold", "reason": "Waiting for a counsellor"})
    html = web().get(url).content.decode()
    assert "Waiting for a counsellor" in html  # the receiver's own reason


def test_program_consent_does_not_follow_a_service_to_another_organisation(personas, consent_for):
    from strengthwise.directory.models import Organization, Program
    from strengthwise.directory.testing import make_service
    from strengthwise.referrals.consent import ConsentRefused

    service = make_service("Budget coaching", org_name="Common Ground")
    program = Program.objects.create(
        name="Financial empowerment", description="x", organization=service.organization
    )
    service.program = program
    service.save()
    consent_for(service, organization=None, program=program)
    service.organization = Organization.objects.create(name="Elsewhere", description="x")
    service.save()
    with pytest.raises(ConsentRefused):
        services.referral_create(
            acting_user=personas.alice,
            client=personas.dana,
            service=service,
            information=["contact"],
        )


def test_a_forged_upload_is_refused(personas, workshop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from strengthwise.core.errors import DomainError

    html = SimpleUploadedFile("x.png", b"<html><script>", content_type="image/png")
    with pytest.raises(DomainError) as refused:
        services.consent_record(
            acting_user=personas.alice,
            client=personas.dana,
            fields={
                "information": ["contact"],
                "organization": workshop.organization,
                "purpose": "referral",
                "valid_from": timezone.localdate(),
                "valid_until": timezone.localdate() + dt.timedelta(days=30),
                "method": "signed_form",
            },
            document=html,
        )
    assert "document" in refused.value.field_errors


def test_partner_without_contact_consent_sees_no_name(personas, workshop, consent_for, web):
    from strengthwise.assessments.models import Factor

    for description, active in [("Set-aside strength", False), ("Paints at the market", True)]:
        Factor.objects.create(
            agency=personas.river_city,
            client=personas.dana,
            description=description,
            level="micro",
            valence="strength",
            domain="leisure",
            active=active,
            recorded_by=personas.alice,
        )
    consent_for(workshop, information=["strengths"])
    referral = services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=workshop,
        information=["strengths"],
    )
    html = web().get(partner_url(referral)).content.decode()
    assert "Dana" not in html
    assert "the person will get in touch with you" in html
    assert "Set-aside strength" not in html
    assert "Paints at the market" in html


def test_bad_goal_parameter_on_the_referral_form(personas, workshop, web):
    url = reverse("referrals:referral-new", args=[personas.dana.pk])
    for goal in ["²", "abc", "-1", "99999999999999999999999"]:
        response = web(personas.alice).get(url, {"service": str(workshop.pk), "goal": goal})
        assert response.status_code == 200, goal


def test_partner_token_is_not_logged(caplog, personas, sent, web):
    import logging

    from strengthwise.core.logging import RedactPartnerTokens

    url = partner_url(sent)
    token = url.rstrip("/").split("/")[-1]
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Conflict: %s", (url,), None
    )
    RedactPartnerTokens().filter(record)
    assert token not in record.getMessage()
    assert "/partner/referrals/…" in record.getMessage()


@pytest.mark.parametrize(
    ("units", "unit", "reads"),
    [
        ("1", "sessions", "1 session"),
        ("1.00", "nights", "1 night"),
        ("2", "sessions", "2 sessions"),
        ("2.50", "nights", "2.5 nights"),
        ("45", "minutes", "45 minutes"),
        ("0", "items", "0 items"),
    ],
)
def test_a_delivered_amount_reads_in_its_plural_form(units, unit, reads):
    from decimal import Decimal

    from strengthwise.referrals.models import ServiceDelivery

    assert ServiceDelivery(units=Decimal(units), unit=unit).amount == reads
