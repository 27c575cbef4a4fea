"""The page and the API give the same answer for the same input (issue 13): whose matrix it is
is an id the service looks up among the client's household — the API used to answer an
unknown member with a message on no field, the page with a form error of its own — and both
record the read of the client's assessments the same way."""

from __future__ import annotations

import pytest

from strengthwise.assessments.models import Factor
from strengthwise.assessments.templates_data import shipped_template
from strengthwise.audit.models import AuditEvent
from strengthwise.people.models import HouseholdMember
from strengthwise.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db

DOMAINS = [d["key"] for d in shipped_template("ssm")["domains"]]
DAY = "2026-03-01"


def _page(web, personas, member):
    data = {"kind": "entry", "administered_on": DAY, "member": "" if member is None else member}
    data.update({f"score_{k}": "3" for k in DOMAINS})
    return web(personas.alice).post(f"/clients/{personas.dana.pk}/assessments/matrix/new/", data)


def _api(api, personas, member):
    return api(personas.alice).post(
        f"/api/v1/clients/{personas.dana.pk}/assessments",
        {
            "kind": "ssm",
            "administration": "entry",
            "administered_on": DAY,
            "member_id": member,
            "scores": {k: {"score": 3} for k in DOMAINS},
        },
    )


@pytest.mark.parametrize("which", ["rosas", "child", "missing"])
def test_a_member_who_is_not_an_adult_of_this_household_is_refused_alike(personas, web, api, which):
    member = {
        "rosas": lambda: HouseholdMember.objects.filter(client=personas.rosa).first().pk,
        "child": lambda: personas.dana.household.get(name="Jayden Whitfield").pk,
        "missing": lambda: 99_999_999,
    }[which]()
    page = _page(web, personas, member)
    assert page.status_code == 400
    said = page.context["form"].errors["member"]
    answer = _api(api, personas, member)
    assert answer.status_code == 400, answer.json()
    assert answer.json()["errors"]["member"] == said
    assert not QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm").exists()


@pytest.mark.parametrize("member", ["marisol", None])
def test_an_adult_of_the_household_or_the_client_is_recorded_alike(personas, web, api, member):
    member_id = personas.dana.household.get(name="Marisol Whitfield").pk if member else None
    assert _page(web, personas, member_id).status_code == 302
    first = QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm").get()
    assert first.member_id == member_id
    first.delete()
    answer = _api(api, personas, member_id)
    assert answer.status_code == 201, answer.json()
    assert (
        QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm").get().member_id
        == member_id
    )


def test_page_and_api_record_the_read_alike(assessed, web, api):
    dana = assessed.dana
    web(assessed.alice).get(f"/clients/{dana.pk}/assessments/")
    api(assessed.alice).get(f"/api/v1/clients/{dana.pk}/assessments?kind=ssm")
    page, answer = AuditEvent.objects.filter(action="assessments.viewed").order_by("seq")
    for event in (page, answer):
        assert (event.client_id, event.target_type, event.target_id) == (
            dana.pk,
            "people.client",
            str(dana.pk),
        )
        assert event.changes["clients"] == [None, [dana.pk]]
    assert answer.changes["kind"] == [None, "ssm"]  # the API also says which it read


def test_another_clients_factor_through_danas_address_is_404_and_no_refusal(assessed, web):
    rosas = Factor.objects.filter(client=assessed.rosa).first()
    url = f"/clients/{assessed.dana.pk}/assessments/factors/{rosas.pk}/set-aside/"
    assert web(assessed.alice).post(url).status_code == 404
    rosas.refresh_from_db()
    assert rosas.active
    # alice may see Rosa: a wrong address is not a refused access.
    assert not AuditEvent.objects.filter(action="access.refused").exists()
