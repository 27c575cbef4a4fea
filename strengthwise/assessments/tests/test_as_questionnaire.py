"""The shipped instruments as FHIR Questionnaires through the agency questionnaires' own rules,
and the matrices and screens already kept leaving as QuestionnaireResponses against them."""

from __future__ import annotations

import datetime as dt

import pytest

from strengthwise.assessments import as_questionnaire, services
from strengthwise.assessments.models import AgencyDomain
from strengthwise.interop import fhir
from strengthwise.questionnaires import definition as qdef

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["ssm", "screening", "strengths"])
def test_each_shipped_instrument_is_a_valid_bilingual_questionnaire(personas, api, kind):
    body = api(personas.alice).get(f"/api/v1/questionnaires/shipped/{kind}").json()
    resource = body["resource"]
    definition = qdef.read(resource)
    assert qdef.fhir_problems(resource) == []
    assert qdef.problems(definition) == []
    assert qdef.spanish_missing(definition) == []
    assert resource["status"] == "active" and resource["version"]


def test_an_agencys_added_domain_is_in_its_matrix(personas):
    AgencyDomain.objects.create(
        agency=personas.river_city,
        kind="ssm",
        key="transport",
        label="Getting around",
        label_es="Transporte",
    )
    resource = as_questionnaire.shipped_questionnaire(agency_id=personas.river_city.pk, kind="ssm")
    assert "transport" in [i["linkId"] for i in resource["item"]]
    levels = next(i for i in resource["item"] if i["linkId"] == "income")["answerOption"]
    assert [o["valueCoding"]["code"] for o in levels] == ["0", "1", "2", "3", "4", "5"]


def test_a_matrix_and_a_screen_leave_as_responses_to_those_questionnaires(personas):
    dana = personas.dana
    resource = as_questionnaire.shipped_questionnaire(agency_id=dana.agency_id, kind="ssm")
    scores = {i["linkId"]: (3, "") for i in resource["item"] if i.get("required")}
    services.ssm_administer(
        acting_user=personas.alice,
        client=dana,
        kind="entry",
        administered_on=dt.date(2026, 1, 5),
        scores=scores,
    )
    bundle = fhir.client_bundle(dana)
    fhir.validate(bundle)
    assert fhir.unresolved_references(bundle) == []
    kinds: dict[str, list] = {}
    for entry in bundle["entry"]:
        kinds.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    questionnaire = next(
        q for q in kinds["Questionnaire"] if q["id"].startswith("ssm-questionnaire-v")
    )
    (response,) = [r for r in kinds["QuestionnaireResponse"] if r["id"].startswith("ssm-")]
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    definition = qdef.read(questionnaire)
    answers, _words = qdef.answers_from_response(response["item"])
    typed, errors = qdef.check_answers(definition, answers)
    assert errors == {} and typed == {k: ["3"] for k in scores}
