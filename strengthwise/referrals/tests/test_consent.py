"""The consent gate: no consent, expired, revoked, wrong organisation, wrong purpose, missing
kind of information → refused and nothing sent; 42 CFR Part 2 elements and notice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from strengthwise.core.errors import DomainError
from strengthwise.directory.testing import make_service
from strengthwise.referrals import consent as rules
from strengthwise.referrals import services
from strengthwise.referrals.models import Consent, Referral

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 26)


def send(personas, service, information=("contact", "goals"), purpose="referral"):
    return services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=service,
        information=list(information),
        purpose=purpose,
    )


def test_no_consent_refused_and_nothing_written(personas, workshop, audit_events):
    with pytest.raises(rules.ConsentRefused, match="No consent on record"):
        send(personas, workshop)
    assert not Referral.objects.exists()
    assert not audit_events("referral.created")


def test_valid_consent_sends(personas, workshop, consent_for):
    consent = consent_for(workshop)
    referral = send(personas, workshop)
    assert referral.status == "requested"
    assert referral.consent == consent


def test_expired_consent_refused(personas, workshop, consent_for):
    today = timezone.localdate()
    consent_for(
        workshop,
        valid_from=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=1),
    )
    with pytest.raises(rules.ConsentRefused, match="expired"):
        send(personas, workshop)
    assert not Referral.objects.exists()


def test_not_yet_valid_refused(personas, workshop, consent_for):
    consent_for(workshop, valid_from=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(rules.ConsentRefused, match="starts on"):
        send(personas, workshop)


def test_revoked_consent_refused(personas, workshop, consent_for):
    consent = consent_for(workshop)
    services.consent_revoke(
        acting_user=personas.alice,
        consent=consent,
        revoked_on=timezone.localdate(),
        revoked_by="Dana (by phone)",
    )
    with pytest.raises(rules.ConsentRefused, match="revoked"):
        send(personas, workshop)
    with pytest.raises(DomainError, match="already revoked"):
        services.consent_revoke(
            acting_user=personas.alice,
            consent=consent,
            revoked_on=timezone.localdate(),
            revoked_by="Dana",
        )


def test_wrong_organisation_refused(personas, workshop, consent_for):
    other = make_service("Legal clinic", org_name="Prairie Legal Aid")
    consent_for(other)
    with pytest.raises(rules.ConsentRefused, match="No consent on record"):
        send(personas, workshop)


def test_wrong_purpose_refused(personas, workshop, consent_for):
    consent_for(workshop, purpose="benefits")
    with pytest.raises(rules.ConsentRefused, match="is for"):
        send(personas, workshop)


def test_information_not_covered_refused(personas, workshop, consent_for):
    consent_for(workshop, information=["contact"])
    with pytest.raises(rules.ConsentRefused, match="does not cover"):
        send(personas, workshop, information=("contact", "health"))


def test_program_wide_consent_covers_services_in_program(personas, consent_for):
    from strengthwise.directory.models import Program

    first = make_service("Budget coaching", org_name="Network member A")
    program = Program.objects.create(
        name="Financial empowerment network", description="x", organization=first.organization
    )
    first.program = program
    first.save()
    second = make_service("Tax clinic", organization=first.organization, program=program)
    consent_for(first, organization=None, program=program)
    assert send(personas, first).status == "requested"
    assert send(personas, second).status == "requested"


def test_drafts_need_no_consent_until_sent(personas, workshop, consent_for):
    draft = services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=workshop,
        information=["contact"],
        send=False,
    )
    assert draft.status == "draft" and draft.consent is None
    with pytest.raises(rules.ConsentRefused):
        services.referral_transition(
            referral=draft, status="requested", side="requester", acting_user=personas.alice
        )
    draft.refresh_from_db()
    assert draft.status == "draft"
    consent_for(workshop)
    services.referral_transition(
        referral=draft, status="requested", side="requester", acting_user=personas.alice
    )
    assert draft.status == "requested" and draft.consent is not None


# --- recording consent -------------------------------------------------------------------------


def test_verbal_needs_witness_and_esign_needs_name(personas, workshop, consent_for):
    with pytest.raises(DomainError) as refused:
        consent_for(workshop, method="verbal", witness_name="")
    assert "witness_name" in refused.value.field_errors
    with pytest.raises(DomainError) as refused:
        consent_for(workshop, signed_name=" ")
    assert "signed_name" in refused.value.field_errors
    with pytest.raises(DomainError) as refused:
        consent_for(workshop, method="signed_form")
    assert "document" in refused.value.field_errors
    with pytest.raises(DomainError) as refused:
        consent_for(workshop, valid_until=None, expiry_event="")
    assert "valid_until" in refused.value.field_errors
    assert not Consent.objects.exists()


def test_signed_form_upload_kept_with_hash(personas, workshop):
    pdf = SimpleUploadedFile("form.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    consent = services.consent_record(
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
        document=pdf,
    )
    assert consent.document.size == len(b"%PDF-1.4 signed")
    assert len(consent.document.sha256) == 64


def test_upload_type_and_size_refused(personas, workshop):
    fields = {
        "information": ["contact"],
        "organization": workshop.organization,
        "purpose": "referral",
        "valid_from": timezone.localdate(),
        "valid_until": timezone.localdate() + dt.timedelta(days=30),
        "method": "signed_form",
    }
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(DomainError, match="correct"):
        services.consent_record(
            acting_user=personas.alice, client=personas.dana, fields=fields, document=exe
        )
    big = SimpleUploadedFile(
        "big.pdf", b"0" * (services.MAX_DOCUMENT_BYTES + 1), content_type="application/pdf"
    )
    with pytest.raises(DomainError):
        services.consent_record(
            acting_user=personas.alice, client=personas.dana, fields=fields, document=big
        )
    assert not Consent.objects.exists()


# --- 42 CFR Part 2 ------------------------------------------------------------------------------

PART2 = {
    "information": ["contact", "substance_use"],
    "information_description": "Dates of treatment at the Tuesday programme and current status",
    "discloser": "River City Recovery Program",
}


def test_part2_needs_every_element(personas, workshop, consent_for):
    consent_for(workshop, information=["contact", "substance_use"])  # no description
    with pytest.raises(rules.ConsentRefused, match="Part 2") as refused:
        send(personas, workshop, information=("contact", "substance_use"))
    assert "description" in refused.value.message
    assert not Referral.objects.exists()


def test_part2_verbal_consent_is_not_enough(personas, workshop, consent_for):
    consent_for(workshop, method="verbal", witness_name="Bob", signed_name="", **PART2)
    with pytest.raises(rules.ConsentRefused, match="signature"):
        send(personas, workshop, information=("contact", "substance_use"))


def test_part2_program_wide_consent_is_not_enough(personas, consent_for):
    from strengthwise.directory.models import Program

    service = make_service("Recovery housing")
    program = Program.objects.create(name="Recovery network", description="x")
    service.program = program
    service.save()
    consent_for(service, organization=None, program=program, **PART2)
    with pytest.raises(rules.ConsentRefused, match="recipient"):
        send(personas, service, information=("contact", "substance_use"))


def test_part2_complete_consent_sends_with_notice(personas, workshop, consent_for, api):
    consent = consent_for(workshop, **PART2)
    assert rules.part2_missing(consent) == []
    referral = send(personas, workshop, information=("contact", "substance_use"))
    assert referral.part2
    body = api(personas.alice).get(f"/api/v1/referrals/{referral.pk}").json()
    assert body["redisclosure_notice"].startswith("This record which has been disclosed")
    assert "42 CFR part 2" in rules.part2_notice()


def test_part2_missing_lists_each_element(personas, workshop, consent_for):
    consent = Consent(
        method="verbal",
        information=["substance_use"],
        valid_from=TODAY,
        right_to_revoke_explained=False,
    )
    missing = rules.part2_missing(consent)
    assert len(missing) == 6
