"""The matrix and the screen run on the questionnaire mechanism: a matrix or screen recorded
through its own page is a response to the agency's questionnaire for that instrument, with its
typed answers; a new template version is a new published version; the editor will not change a
shipped instrument; the agency's own lists leave them out."""

from __future__ import annotations

import datetime as dt

import pytest

from strengthwise.assessments import selectors as assessment_selectors
from strengthwise.assessments import services as assessment_services
from strengthwise.assessments.models import AgencyDomain
from strengthwise.assessments.templates_data import shipped_template
from strengthwise.core.errors import DomainError, ValidationFailed
from strengthwise.questionnaires import definition as qdef
from strengthwise.questionnaires import selectors, services
from strengthwise.questionnaires.models import AnswerValue, Questionnaire, QuestionnaireResponse

pytestmark = pytest.mark.django_db
DOMAINS = [d["key"] for d in shipped_template("ssm")["domains"]]
DAY = dt.date(2026, 3, 1)


def _matrix(personas, kind="entry", day=DAY, housing=2, note=""):
    return assessment_services.ssm_administer(
        acting_user=personas.alice,
        client=personas.dana,
        kind=kind,
        administered_on=day,
        scores={
            k: (housing if k == "housing" else 3, note if k == "housing" else "") for k in DOMAINS
        },
    )


def test_a_matrix_is_a_response_to_the_agencys_matrix_questionnaire(personas):
    entry = _matrix(personas, note="Weekly motel")
    questionnaire = Questionnaire.objects.get(agency=personas.river_city, shipped="ssm")
    assert (questionnaire.key, questionnaire.purpose) == ("ssm", "instrument")
    assert entry.questionnaire_id == questionnaire.pk and entry.occasion == "entry"
    definition = selectors.definition_of(entry.version)
    assert definition.find("housing").type == "choice"
    assert definition.find("housing.note").author == "worker"
    # The levels are typed answers, the note stays sealed in the response.
    levels = dict(AnswerValue.objects.filter(response=entry).values_list("link_id", "number"))
    assert levels["housing"] == 2 and len(levels) == len(DOMAINS)
    answers, _marks = qdef.answers_from_response(entry.items)
    assert answers["housing.note"] == ["Weekly motel"]
    assert entry.score == 2 + 3 * (len(DOMAINS) - 1)
    _matrix(personas, "review", DAY + dt.timedelta(days=60), housing=4)
    # One questionnaire and one version for both.
    assert questionnaire.versions.count() == 1
    (matrix_entry, matrix_review) = assessment_selectors.ssm_administrations(client=personas.dana)
    assert (matrix_entry.scores["housing"], matrix_review.scores["housing"]) == (2, 4)
    assert matrix_entry.notes == {"housing": "Weekly motel"}


def test_an_agency_domain_publishes_a_new_version_and_old_matrices_keep_theirs(personas):
    first = _matrix(personas)
    AgencyDomain.objects.create(
        agency=personas.river_city,
        kind="ssm",
        key="immigration_status",
        label="Immigration status",
        label_es="Situación migratoria",
        anchors={str(n): f"level {n}" for n in range(1, 6)},
        anchors_es={str(n): f"nivel {n}" for n in range(1, 6)},
    )
    review = assessment_services.ssm_administer(
        acting_user=personas.alice,
        client=personas.dana,
        kind="review",
        administered_on=DAY + dt.timedelta(days=30),
        scores={k: (3, "") for k in [*DOMAINS, "immigration_status"]},
    )
    assert (first.version.number, review.version.number) == (1, 2)
    assert selectors.definition_of(first.version).find("immigration_status") is None
    assert selectors.definition_of(review.version).find("immigration_status") is not None
    assert Questionnaire.objects.filter(agency=personas.river_city, shipped="ssm").count() == 1


def test_a_screen_is_a_response_with_what_its_scoring_said(personas):
    personas.housing_program.offers_screening = True
    personas.housing_program.save()
    screen = assessment_services.screening_record(
        acting_user=personas.alice,
        client=personas.dana,
        answers={"food_worry": "often", "housing_problems": ["pests", "mold"]},
        administered_on=DAY,
    )
    assert screen.questionnaire.shipped == "screening" and screen.occasion == ""
    assert screen.derived["results"]["food"]["positive"] is True
    codes = set(AnswerValue.objects.filter(response=screen).values_list("link_id", "code"))
    assert codes == {
        ("food_worry", "often"),
        ("housing_problems", "pests"),
        ("housing_problems", "mold"),
    }
    (read,) = assessment_selectors.screenings(client=personas.dana)
    assert read.answers == {"food_worry": "often", "housing_problems": ["pests", "mold"]}


def test_the_editor_will_not_change_a_shipped_instrument(personas, web):
    _matrix(personas)
    shipped = Questionnaire.objects.get(agency=personas.river_city, shipped="ssm")
    item = qdef.Item(link_id="extra", type="string", text=qdef.Text("Extra", "Extra"))
    for change in (
        lambda: services.draft_item_save(
            acting_user=personas.admin, questionnaire=shipped, item=item
        ),
        lambda: services.questionnaire_publish(acting_user=personas.admin, questionnaire=shipped),
        lambda: services.questionnaire_retire(acting_user=personas.admin, questionnaire=shipped),
        lambda: services.questionnaire_import(acting_user=personas.admin, text=b"{}", into=shipped),
    ):
        with pytest.raises(DomainError):
            change()
    page = web(personas.admin).get(f"/questionnaires/{shipped.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "An instrument shipped with Strengthwise" in html
    assert "Add a question" not in html and "Publish a new version" not in html
    # Its short name stays its own.
    with pytest.raises(ValidationFailed) as refused:
        services.questionnaire_create(
            acting_user=personas.admin, key="ssm", purpose="client_fields", title_en="Mine"
        )
    assert "key" in refused.value.field_errors
    # Answers to it come only through its own page and rules.
    with pytest.raises(ValidationFailed):
        services.response_record(
            acting_user=personas.alice,
            client=personas.dana,
            questionnaire_id=shipped.pk,
            answers={"housing": "3"},
            occasion="review",
        )


def test_the_agencys_own_lists_leave_the_shipped_ones_out(personas, api):
    _matrix(personas)
    assert selectors.client_questionnaires(client=personas.dana) == []
    assert selectors.newest_responses(client=personas.dana) == []
    answers = api(personas.alice).get(f"/api/v1/clients/{personas.dana.pk}/questionnaire-responses")
    assert answers.status_code == 200 and answers.json() == []
    assert QuestionnaireResponse.objects.filter(client=personas.dana).count() == 1


def test_every_editor_write_on_a_shipped_instrument_is_refused_with_a_reason(personas, web, api):
    _matrix(personas)
    shipped = Questionnaire.objects.get(agency=personas.river_city, shipped="ssm")
    before = (shipped.draft, shipped.retired, shipped.versions.count())
    page, base = web(personas.admin), f"/questionnaires/{shipped.pk}"
    answers = [
        page.post(f"{base}/", {"title_en": "Mine", "title_es": "Mío"}),
        page.post(f"{base}/items/new/", {"link_id": "extra", "type": "string", "text_en": "x"}),
        page.post(f"{base}/items/housing/change/", {"action": "up"}),
        page.post(f"{base}/publish/"),
        page.post(f"{base}/retire/"),
        api(personas.admin).post(f"/api/v1/questionnaires/{shipped.pk}/publish", {}),
    ]
    # Moving a question answers as every refusal of that form does: back to the editor with the
    # reason as a message; the rest answer 400 with the reason on the page or in JSON.
    assert [a.status_code for a in answers] == [400, 400, 302, 400, 400, 400]
    shipped.refresh_from_db()
    assert (shipped.draft, shipped.retired, shipped.versions.count()) == before
