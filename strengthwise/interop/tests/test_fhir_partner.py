"""The FHIR export for a partner (issue 13 §3: "an export for a partner carries only what the
consent covers, by category"): `?consent_id=` on the API and `--consent` on the command give the
bundle for the organisation a consent names — the kinds of information it covers, within them
only items whose protected categories it names, the referrals sent under it — or a 400 saying
why when it is not in force; audited with the consent."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from strengthwise.assessments import services as assessment_services
from strengthwise.audit.models import AuditEvent
from strengthwise.directory.testing import make_service
from strengthwise.interop import fhir
from strengthwise.interop.tests.test_fhir import _by_type
from strengthwise.plans import services as plan_services
from strengthwise.referrals import services as referral_services
from strengthwise.referrals.tests.conftest import consent_for, workshop  # noqa: F401


@pytest.fixture
def shared(personas, workshop, consent_for):  # noqa: F811
    """Dana's record with strengths of every level, a protected one, a need, a goal, and a
    referral to the workshop under a consent covering contact, goals and strengths."""
    dana, alice = personas.dana, personas.alice

    def factor(description, level, valence="strength"):
        return assessment_services.factor_add(
            acting_user=alice,
            client=dana,
            fields={
                "description": description,
                "level": level,
                "valence": valence,
                "domain": "daily_living",
                "author": "client",
            },
        )

    factors = {
        "cook": factor("Cooks for her whole family", "micro"),
        "sister": factor("Her sister lives two streets away", "meso"),
        "garden": factor("The neighbourhood's community garden", "macro"),
        "counselling": factor("Counselling has helped her", "micro"),
        "need": factor("Behind on rent", "micro", valence="barrier"),
    }
    assessment_services.factor_categories_set(
        acting_user=alice, factor=factors["counselling"], categories=["mental_health"]
    )
    plan = plan_services.plan_start(acting_user=alice, client=dana)
    goal = plan_services.goal_add(
        acting_user=alice,
        plan=plan,
        fields={"statement": "Keep my apartment", "author": "client", "domain": "daily_living"},
    )
    consent = consent_for(workshop, information=["contact", "goals", "strengths"])
    referral = referral_services.referral_create(
        acting_user=alice,
        client=dana,
        service=workshop,
        information=["contact", "goals"],
        goal=goal,
        request_note="She can come on weekday evenings",
    )
    other = make_service("Tenant clinic", org_name="Legal Aid of River City", term="Legal")
    other_consent = consent_for(other, information=["contact", "demographics"])
    return dana, consent, other_consent, referral, factors, goal


def test_the_partner_gets_only_what_the_consent_covers(shared):
    dana, consent, other_consent, referral, factors, goal = shared
    bundle = fhir.client_bundle(dana, consent=consent)
    fhir.validate(bundle)
    assert fhir.unresolved_references(bundle) == []
    kinds = _by_type(bundle)
    (patient,) = kinds["Patient"]
    assert patient["name"][0]["family"] == dana.legal_last_name  # contact: covered
    assert "birthDate" not in patient and "communication" not in patient  # demographics: not
    conditions = {c["id"] for c in kinds["Condition"]}
    # Strengths, not the macro-level one, not the one about mental health (not named); no needs.
    assert conditions == {f"strength-{factors['cook'].pk}", f"strength-{factors['sister'].pk}"}
    assert [g["id"] for g in kinds["Goal"]] == [f"goal-{goal.pk}"]
    assert [s["id"] for s in kinds["ServiceRequest"]] == [f"referral-{referral.pk}"]
    assert kinds["ServiceRequest"][0]["note"] == [{"text": "She can come on weekday evenings"}]
    assert [c["id"] for c in kinds["Consent"]] == [f"consent-{consent.pk}"]
    assert "QuestionnaireResponse" not in kinds and "Questionnaire" not in kinds
    assert "meta" not in bundle  # nothing protected by Part 2
    # The whole record has more: needs, the other consent.
    whole = _by_type(fhir.client_bundle(dana))
    assert any(c["id"].startswith("need-") for c in whole["Condition"])
    assert len(whole["Consent"]) == 2
    # The other organisation's consent covers contact and demographics only.
    kinds = _by_type(fhir.client_bundle(dana, consent=other_consent))
    assert kinds["Patient"][0]["birthDate"] == dana.date_of_birth.isoformat()
    assert "Condition" not in kinds and "Goal" not in kinds and "CarePlan" not in kinds
    assert "ServiceRequest" not in kinds  # nothing was sent under it


def test_without_contact_not_even_the_name_leaves(personas, workshop, consent_for):  # noqa: F811
    dana = personas.dana
    consent = consent_for(workshop, information=["goals"])
    bundle = fhir.client_bundle(dana, consent=consent)
    fhir.validate(bundle)
    text = json.dumps(bundle)
    assert dana.legal_last_name not in text and dana.display_name not in text
    (patient,) = _by_type(bundle)["Patient"]
    assert set(patient) == {"resourceType", "id"}


def test_the_api_and_the_command_export_for_a_consent_audited(shared, personas, api, capsys):
    dana, consent, _other, referral, _factors, _goal = shared
    url = f"/api/v1/clients/{dana.pk}/fhir"
    response = api(personas.alice).get(f"{url}?consent_id={consent.pk}")
    assert response.status_code == 200
    assert {e["resource"]["resourceType"] for e in response.json()["entry"]} >= {"Patient", "Goal"}
    event = AuditEvent.objects.filter(action="client.exported", client_id=dana.pk).latest("id")
    assert event.changes["consent"] == [None, consent.pk]
    for outsider in (personas.carol, personas.mallory):
        assert api(outsider).get(f"{url}?consent_id={consent.pk}").status_code == 404
    # Another client's consent is not reached through Dana's record.
    keisha_consent = referral_services.consent_record(
        acting_user=personas.carol,
        client=personas.carol_client,
        fields={
            "information": ["contact"],
            "organization": referral.service.organization,
            "purpose": "referral",
            "valid_from": timezone.localdate(),
            "valid_until": timezone.localdate() + dt.timedelta(days=30),
            "method": "e_signature",
            "signed_name": "Keisha Brown",
            "right_to_revoke_explained": True,
        },
    )
    assert api(personas.alice).get(f"{url}?consent_id={keisha_consent.pk}").status_code == 404
    call_command("export_fhir", str(dana.pk), "--consent", str(consent.pk))
    printed = json.loads(capsys.readouterr().out)
    assert [e["fullUrl"] for e in printed["entry"]] == [
        e["fullUrl"] for e in response.json()["entry"]
    ]
    with pytest.raises(Exception, match="has no consent"):
        call_command("export_fhir", str(dana.pk), "--consent", str(keisha_consent.pk))


def test_a_consent_not_in_force_exports_nothing(shared, personas, api):
    dana, consent, *_ = shared
    referral_services.consent_revoke(
        acting_user=personas.alice,
        consent=consent,
        revoked_on=timezone.localdate(),
        revoked_by="client",
    )
    before = AuditEvent.objects.filter(action="client.exported").count()
    response = api(personas.alice).get(f"/api/v1/clients/{dana.pk}/fhir?consent_id={consent.pk}")
    assert response.status_code == 400
    assert "not in force" in response.json()["detail"] and "revoked" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="client.exported").count() == before
    with pytest.raises(Exception, match="not in force"):
        call_command("export_fhir", str(dana.pk), "--consent", str(consent.pk))
    assert AuditEvent.objects.filter(action="client.exported").count() == before


def test_part2_information_marks_the_bundle(personas, workshop, consent_for):  # noqa: F811
    dana = personas.dana
    strength = assessment_services.factor_add(
        acting_user=personas.alice,
        client=dana,
        fields={
            "description": "Two years in recovery",
            "level": "micro",
            "valence": "strength",
            "domain": "health",
            "author": "client",
        },
    )
    assessment_services.factor_categories_set(
        acting_user=personas.alice, factor=strength, categories=["substance_use"]
    )
    consent = consent_for(workshop, information=["contact", "strengths", "substance_use"])
    bundle = fhir.client_bundle(dana, consent=consent)
    fhir.validate(bundle)
    assert f"strength-{strength.pk}" in {c["id"] for c in _by_type(bundle)["Condition"]}
    assert [s["code"] for s in bundle["meta"]["security"]] == ["42CFRPart2", "NORDSCLCD"]
