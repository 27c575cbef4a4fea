"""FHIR R4 export: every demo client's bundle validates against the R4 models and every
reference resolves inside it; strengths are protective-factor Conditions; GAS levels and
scores carry the Person-Centered Outcomes IG's LOINC codes; referral Tasks follow our status;
the API and the command give the same bundle, audited; outsiders get 404."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from strengthwise.audit.models import AuditEvent
from strengthwise.interop import fhir
from strengthwise.people.models import Client
from strengthwise.referrals.models import Referral


def _by_type(bundle):
    out: dict[str, list] = {}
    for entry in bundle["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def test_every_demo_clients_bundle_is_valid_and_self_contained(demo_agency):
    clients = Client.objects.filter(merged_into__isnull=True)
    assert clients.count() > 10
    for client in clients:
        bundle = fhir.client_bundle(client)
        fhir.validate(bundle)
        assert fhir.unresolved_references(bundle) == [], client.pk


def test_danas_bundle_carries_her_words_her_strengths_and_her_scores(demo_agency):
    dana = demo_agency.dana
    bundle = fhir.client_bundle(dana)
    kinds = _by_type(bundle)
    (patient,) = kinds["Patient"]
    assert patient["name"][0]["family"] == dana.legal_last_name
    strengths = [c for c in kinds["Condition"] if c["id"].startswith("strength-")]
    assert strengths and all(
        any(c["coding"][0]["code"] == "protective-factor" for c in s["category"]) for s in strengths
    )
    goals = kinds["Goal"]
    assert any(
        g.get("expressedBy")
        == {"reference": f"Patient/client-{dana.pk}", "display": dana.display_name}
        for g in goals
    )
    scaled = [g for g in goals if g.get("extension")]
    assert scaled, "Dana's demo goals are scaled"
    codes = [e["extension"][0]["valueCoding"]["code"] for e in scaled[0]["extension"]]
    assert codes == ["LA34479-8", "LA34480-6", "LA34481-4", "LA34483-0", "LA34484-8"]
    scores = [o for o in kinds.get("Observation", []) if o["id"].startswith("gas-")]
    assert {o["code"]["coding"][0]["code"] for o in scores} <= {"107334-5", "107333-7"}
    assert {o["code"]["coding"][0]["code"] for o in scores} == {"107334-5", "107333-7"}
    referral = Referral.objects.filter(client=dana).order_by("id").first()
    task = next(t for t in kinds["Task"] if t["id"] == f"referral-{referral.pk}-task")
    assert task["status"] == referral.status and task["intent"] == "order"
    assert task["code"]["coding"][0]["code"] == "fulfill"
    assert kinds["CarePlan"][0]["goal"]
    assert kinds["Consent"]
    # The agency's questionnaires: each answer with the published version it answered.
    responses = [r for r in kinds["QuestionnaireResponse"] if r["id"].startswith("qr-")]
    assert len(responses) == 3  # Housing Stability's intake, Tenancy readiness twice
    # Her matrices and screens too, against the shipped instruments as Questionnaires.
    ids = {r["id"].split("-")[0] for r in kinds["QuestionnaireResponse"]}
    assert ids == {"qr", "ssm", "screening"}
    matrices = [r for r in kinds["QuestionnaireResponse"] if r["id"].startswith("ssm-")]
    scores = [o for o in kinds["Observation"] if o["id"].startswith("ssm-")]
    assert scores and {o["derivedFrom"][0]["reference"] for o in scores} == {
        f"QuestionnaireResponse/{m['id']}" for m in matrices
    }
    # Services delivered are completed Procedures based on their referral's ServiceRequest.
    assert kinds["Procedure"] and all(p["status"] == "completed" for p in kinds["Procedure"])
    questionnaires = {f"{q['url']}|{q['version']}": q for q in kinds["Questionnaire"]}
    assert {r["questionnaire"] for r in responses} <= set(questionnaires)
    words = [
        i
        for r in responses
        for i in r["item"]
        if any(e.get("url", "").endswith("/exact-words") for e in i.get("extension", []))
    ]
    assert words and all(
        r["subject"]["reference"] == f"Patient/client-{dana.pk}" for r in responses
    )


def test_a_confidential_address_never_leaves(personas):
    dana = personas.dana
    dana.address_line1, dana.city, dana.address_confidential = "9 Safe Row", "Hidden", True
    dana.save()
    bundle = fhir.client_bundle(Client.objects.get(pk=dana.pk))
    assert (
        "9 Safe Row" not in json.dumps(bundle) and "address" not in _by_type(bundle)["Patient"][0]
    )


def test_the_api_and_the_command_give_the_bundle_audited(personas, api, capsys):
    dana = personas.dana
    response = api(personas.alice).get(f"/api/v1/clients/{dana.pk}/fhir")
    assert response.status_code == 200
    assert response.json()["resourceType"] == "Bundle"
    assert AuditEvent.objects.filter(action="client.exported", client_id=dana.pk).count() == 1
    for outsider in (personas.carol, personas.mallory):
        assert api(outsider).get(f"/api/v1/clients/{dana.pk}/fhir").status_code == 404
    call_command("export_fhir", str(dana.pk))
    printed = json.loads(capsys.readouterr().out)
    assert [e["fullUrl"] for e in printed["entry"]] == [
        e["fullUrl"] for e in response.json()["entry"]
    ]
    assert AuditEvent.objects.filter(action="client.exported", client_id=dana.pk).count() == 2
    with pytest.raises(Exception, match="no client"):
        call_command("export_fhir", "999999")
