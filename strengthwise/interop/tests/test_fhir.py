"""FHIR R4 export: every demo client's bundle validates against the R4 models and every
reference resolves inside it; strengths are protective-factor Conditions; GAS levels and
scores carry the Person-Centered Outcomes IG's LOINC codes; referral Tasks follow our status;
the API and the command give the same bundle, audited; outsiders get 404."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from strengthwise.assessments.screening import hrsn_template
from strengthwise.audit.models import AuditEvent
from strengthwise.interop import fhir, hrsn_loinc
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


def test_every_shipped_screening_item_and_answer_has_its_loinc_code():
    template = hrsn_template(1)
    assert set(hrsn_loinc.ITEMS[1]) == {item["key"] for item in template["items"]}
    for item in template["items"]:
        assert set(hrsn_loinc.ANSWERS[1][item["key"]]) == {o["key"] for o in item["options"]}
        assert item["domain"] in hrsn_loinc.DOMAIN_CATEGORY


def test_a_screen_leaves_as_loinc_coded_screening_observations(personas):
    from strengthwise.assessments import services as assessment_services

    dana = personas.dana
    for episode in dana.episodes.filter(closed_on__isnull=True).select_related("program"):
        episode.program.offers_screening = True
        episode.program.save()
    screen = assessment_services.screening_record(
        acting_user=personas.alice,
        client=dana,
        answers={
            "living_situation": "steady",
            "housing_problems": ["mold", "pests"],
            "food_worry": "often",
            "food_ran_out": "never",
            "transportation": "declined",
            "safety_hurt": "never",
            "safety_insult": "sometimes",
            "safety_threaten": "fairly_often",
            "safety_scream": "fairly_often",
        },
    )
    bundle = fhir.client_bundle(dana)
    fhir.validate(bundle)
    assert fhir.unresolved_references(bundle) == []
    mine = {
        o["id"]: o
        for o in _by_type(bundle)["Observation"]
        if o["id"].startswith(f"screening-{screen.pk}")
    }

    def answer(rid):
        return [c["code"] for c in mine[rid]["valueCodeableConcept"]["coding"]]

    pk = screen.pk
    assert mine[f"screening-{pk}-living-situation"]["code"]["coding"][0]["code"] == "71802-3"
    assert answer(f"screening-{pk}-living-situation") == ["LA31993-1", "steady"]
    assert "interpretation" not in mine[f"screening-{pk}-living-situation"]
    # Several answers to one item: one Observation each, each flagged as CMS flags it.
    assert answer(f"screening-{pk}-housing-problems-mold")[0] == "LA28580-1"
    assert answer(f"screening-{pk}-housing-problems-pests")[0] == "LA31996-4"
    assert mine[f"screening-{pk}-housing-problems-mold"]["category"][2]["coding"][0]["code"] == (
        "inadequate-housing"
    )
    food = mine[f"screening-{pk}-food-worry"]
    assert answer(f"screening-{pk}-food-worry")[0] == "LA28397-0"
    assert food["interpretation"][0]["coding"][0]["code"] == "POS"
    assert "interpretation" not in mine[f"screening-{pk}-food-ran-out"]
    # Chose not to answer: no value, the reason says so.
    declined = mine[f"screening-{pk}-transportation"]
    assert "valueCodeableConcept" not in declined
    assert declined["dataAbsentReason"]["coding"][0]["code"] == "asked-declined"
    # 1 + 3 + 4 + 4 = 12, more than 10: positive.
    total = mine[f"screening-{pk}-safety-total"]
    assert total["code"]["coding"][0]["code"] == "95614-4"
    assert total["valueInteger"] == 12 and total["interpretation"][0]["coding"][0]["code"] == "POS"
    panel = mine[f"screening-{pk}"]
    assert panel["code"]["coding"][0]["code"] == "96777-8"
    assert {m["reference"] for m in panel["hasMember"]} == {
        f"Observation/{rid}" for rid in mine if rid != f"screening-{pk}"
    }
    assert len(panel["hasMember"]) == 11  # 9 items, housing problems twice, the total
    assert all(
        o["derivedFrom"] == [{"reference": f"QuestionnaireResponse/screening-{pk}"}]
        and o["subject"]["reference"] == f"Patient/client-{dana.pk}"
        for o in mine.values()
    )
