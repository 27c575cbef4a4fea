"""Self-Sufficiency Matrix rules: one level per domain, 0 for n/a, entry → review → exit, adults."""

from __future__ import annotations

import datetime as dt

import pytest

from strengthwise.assessments import services
from strengthwise.assessments.templates_data import shipped_template
from strengthwise.core.errors import DomainError, ValidationFailed
from strengthwise.people.models import HouseholdMember
from strengthwise.questionnaires import definition as qdef
from strengthwise.questionnaires.models import AnswerValue, QuestionnaireResponse

DOMAINS = [d["key"] for d in shipped_template("ssm")["domains"]]
DAY = dt.date(2026, 3, 1)


def full(level=3, **overrides):
    return {key: (overrides.get(key, level), "") for key in DOMAINS}


def administer(personas, kind="entry", day=DAY, scores=None, member=None):
    return services.ssm_administer(
        acting_user=personas.alice,
        client=personas.dana,
        kind=kind,
        administered_on=day,
        scores=scores or full(),
        member=member,
    )


def test_the_template_has_seventeen_domains_and_an_optional_credit_domain():
    template = shipped_template("ssm")
    assert len(template["domains"]) == 17
    assert [d["key"] for d in template["optional_domains"]] == ["credit_history"]
    assert template["scale"][1] == "In crisis" and template["scale"][5] == "Empowered"
    for domain in template["domains"] + template["optional_domains"]:
        assert sorted(domain["anchors"]) == [1, 2, 3, 4, 5]


def test_entry_review_and_exit_with_zero_for_not_applicable(personas):
    entry = administer(personas, scores=full(2, childcare=0))
    assert AnswerValue.objects.get(response=entry, link_id="childcare").number == 0
    administer(personas, "review", DAY + dt.timedelta(days=90), full(3))
    administer(
        personas,
        "exit",
        DAY + dt.timedelta(days=180),
        full(4, credit_history=3) | {"credit_history": (3, "")},
    )
    kinds = list(
        QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm")
        .filter(client=personas.dana)
        .order_by("answered_on", "id")
        .values_list("occasion", flat=True)
    )
    assert kinds == ["entry", "review", "exit"]
    # After an exit, a new entry may start (the client came back).
    administer(personas, "entry", DAY + dt.timedelta(days=200))


def test_every_domain_needs_exactly_one_level(personas):
    scores = full()
    del scores["housing"]
    with pytest.raises(ValidationFailed) as error:
        administer(personas, scores=scores)
    assert "housing" in error.value.field_errors
    assert not QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm").exists()


@pytest.mark.parametrize("bad", [6, -1, "3", None])
def test_levels_are_zero_to_five(personas, bad):
    with pytest.raises(ValidationFailed):
        administer(personas, scores=full(housing=bad))


def test_unknown_domains_are_refused(personas):
    with pytest.raises(ValidationFailed):
        administer(personas, scores=full() | {"astrology": (3, "")})


def test_review_needs_an_entry_and_entry_cannot_repeat(personas):
    with pytest.raises(DomainError):
        administer(personas, "review")
    administer(personas)
    with pytest.raises(DomainError):
        administer(personas, "entry", DAY + dt.timedelta(days=1))
    with pytest.raises(DomainError):
        administer(personas, "review", DAY - dt.timedelta(days=1))


def test_future_dates_are_refused(personas):
    with pytest.raises(ValidationFailed):
        administer(personas, day=dt.date.today() + dt.timedelta(days=1))


def test_one_matrix_per_adult_and_never_for_a_child(personas):
    jayden = personas.dana.household.get(name="Jayden Whitfield")
    with pytest.raises(ValidationFailed):
        administer(personas, member=jayden)
    marisol = personas.dana.household.get(name="Marisol Whitfield")
    administer(personas, member=marisol)
    administer(personas)  # Dana's own entry is separate from Marisol's
    assert (
        QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm")
        .filter(client=personas.dana)
        .count()
        == 2
    )
    stranger = HouseholdMember.objects.filter(client=personas.rosa).first()
    with pytest.raises(ValidationFailed):
        administer(personas, member=stranger)


def test_the_form_saves_a_matrix_and_shows_field_errors(personas, web):
    browser = web(personas.alice)
    url = f"/clients/{personas.dana.pk}/assessments/matrix/new/"
    data = {"kind": "entry", "administered_on": "2026-03-01", "member": ""}
    data.update({f"score_{k}": "3" for k in DOMAINS})
    del data["score_housing"]
    response = browser.post(url, data)
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    data["score_housing"] = "1"
    data["note_housing"] = "Weekly motel"
    assert browser.post(url, data).status_code == 302
    administration = QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm").get(
        client=personas.dana
    )
    answers, _marks = qdef.answers_from_response(administration.items)
    assert answers["housing"] == ["1"] and answers["housing.note"] == ["Weekly motel"]


def test_matrix_page_has_a_chart_and_the_numbers_as_a_table(assessed, web):
    html = (
        web(assessed.alice).get(f"/clients/{assessed.dana.pk}/assessments/matrix/").content.decode()
    )
    assert "<svg" in html and 'role="img"' in html
    assert "Levels by domain" in html
    # Housing went from 1 at entry to 2 at review: both numbers are in the table row.
    table = html[html.index('<table class="ssm-table">') :]
    row = table[table.index(">Housing<") :][:200]
    assert ">1<" in row and ">2<" in row
