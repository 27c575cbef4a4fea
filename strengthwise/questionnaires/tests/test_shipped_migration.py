"""The matrices and screens kept before they ran on the questionnaire mechanism: the migration
moves every one, with its levels, notes, household member, answers and what the screen said,
and going back rebuilds them as they were."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from strengthwise.assessments import selectors
from strengthwise.assessments.templates_data import template_current
from strengthwise.questionnaires.models import AnswerValue, Questionnaire, QuestionnaireResponse

BEFORE = [("questionnaires", "0002_shipped_instruments"), ("assessments", "0006_sealed_strengths")]
DAY = dt.date(2026, 2, 2)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_matrix_and_screen_moves_and_comes_back(personas):
    dana, alice = personas.dana, personas.alice
    template = template_current(agency_id=dana.agency_id, kind="ssm")
    marisol = dana.household.get(name="Marisol Whitfield")
    try:
        old = _migrate(BEFORE)
        Administration = old.get_model("assessments", "SsmAdministration")
        Score = old.get_model("assessments", "SsmScore")
        Screening = old.get_model("assessments", "ScreeningResponse")
        common = {"agency_id": dana.agency_id, "client_id": dana.pk, "recorded_by_id": alice.pk}
        entry = Administration.objects.create(
            **common, kind="entry", administered_on=DAY, template_id=template.pk
        )
        review = Administration.objects.create(
            **common,
            kind="review",
            administered_on=DAY + dt.timedelta(days=90),
            template_id=template.pk,
        )
        other = Administration.objects.create(
            **common,
            member_id=marisol.pk,
            kind="entry",
            administered_on=DAY,
            template_id=template.pk,
        )
        for administration, housing in ((entry, 1), (review, 3), (other, 4)):
            Score.objects.create(
                agency_id=dana.agency_id,
                administration=administration,
                domain="housing",
                score=housing,
                note="Weekly motel" if administration == entry else "",
            )
            Score.objects.create(
                agency_id=dana.agency_id, administration=administration, domain="income", score=2
            )
        results = {"food": {"positive": True, "detail": "food: often", "label": "Food"}}
        Screening.objects.create(
            **common,
            administered_on=DAY,
            template_version=1,
            answers={"food_worry": "often", "housing_problems": ["pests", "mold"]},
            results=results,
        )

        _migrate(_latest())

        assert (
            Questionnaire.objects.filter(agency_id=dana.agency_id).exclude(shipped="").count() == 2
        )
        matrices = selectors.ssm_administrations(client=dana)
        assert [(m.kind, m.member, m.scores) for m in matrices] == [
            ("entry", None, {"housing": 1, "income": 2}),
            ("entry", marisol, {"housing": 4, "income": 2}),
            ("review", None, {"housing": 3, "income": 2}),
        ]
        assert matrices[0].notes == {"housing": "Weekly motel"}
        assert matrices[0].template.pk == template.pk
        assert matrices[0].recorded_by == alice
        assert set(
            AnswerValue.objects.filter(response=matrices[2].response).values_list(
                "link_id", "number"
            )
        ) == {("housing", 3), ("income", 2)}
        (screen,) = selectors.screenings(client=dana)
        assert screen.answers == {"food_worry": "often", "housing_problems": ["pests", "mold"]}
        assert screen.results == results
        assert screen.template_version == 1 and screen.administered_on == DAY

        old = _migrate(BEFORE)
        Administration = old.get_model("assessments", "SsmAdministration")
        Score = old.get_model("assessments", "SsmScore")
        Screening = old.get_model("assessments", "ScreeningResponse")
        back = {
            (a.kind, a.member_id, a.administered_on): {
                s.domain: (s.score, s.note) for s in Score.objects.filter(administration=a)
            }
            for a in Administration.objects.all()
        }
        assert back == {
            ("entry", None, DAY): {"housing": (1, "Weekly motel"), "income": (2, "")},
            ("review", None, DAY + dt.timedelta(days=90)): {"housing": (3, ""), "income": (2, "")},
            ("entry", marisol.pk, DAY): {"housing": (4, ""), "income": (2, "")},
        }
        (again,) = Screening.objects.all()
        assert again.answers == {"food_worry": "often", "housing_problems": ["pests", "mold"]}
        assert again.results == results
    finally:
        _migrate(_latest())
    # Forward again: the rebuilt rows move once more, nothing doubled.
    assert QuestionnaireResponse.objects.filter(client=dana).count() == 4
