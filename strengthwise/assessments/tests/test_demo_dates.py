"""Issue 10 (demo): Dana's assessments are dated on the days her story says they happened,
not at the moment the demo loaded."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from strengthwise.assessments.models import (
    Concern,
    EcomapNode,
    EcomapSnapshot,
    Factor,
    MotivationRecord,
    ReadinessRating,
    StrengthsAssessment,
    StrengthsAssessmentVersion,
)
from strengthwise.audit.verify import audit_chain_verify
from strengthwise.people.models import Client
from strengthwise.questionnaires.models import QuestionnaireResponse


@pytest.fixture
def demo(demo_agency):
    return demo_agency.dana


def test_dana_assessments_are_dated_on_their_story_days(demo):
    dana = demo
    zone = zoneinfo.ZoneInfo(dana.agency.timezone)
    now = timezone.now()
    day = lambda at: timezone.localtime(at, zone).date()  # noqa: E731
    opened = min(e.opened_on for e in dana.episodes.all())
    rosa = Client.objects.get(legal_first_name="Rosa", agency_id=dana.agency_id)
    rosa_opened = min(e.opened_on for e in rosa.episodes.all())
    opened_of = {dana.pk: opened, rosa.pk: rosa_opened}
    stamps: list[tuple[str, dt.datetime, dt.date]] = []  # (what, when, earliest allowed day)

    def seen(what: str, at: dt.datetime, earliest: dt.date = opened) -> dt.datetime:
        stamps.append((what, at, earliest))
        return at

    # Dated rows: stamped on their own date, at a working-hours time in the agency's zone.
    for dated, stamp, on in [
        (MotivationRecord.objects.filter(client__in=[dana, rosa]), "created_at", "recorded_on"),
        (ReadinessRating.objects.filter(concern__client=dana), "created_at", "rated_on"),
        (
            QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm").filter(client=dana),
            "created_at",
            "answered_on",
        ),
        (EcomapSnapshot.objects.filter(client=dana), "created_at", "taken_on"),
        (
            QuestionnaireResponse.objects.filter(questionnaire__shipped="screening").filter(
                client=dana
            ),
            "created_at",
            "answered_on",
        ),
    ]:
        rows = list(dated)
        assert rows, dated.model
        for row in rows:
            client_id = getattr(row, "client_id", None) or row.concern.client_id
            at = seen(f"{row!r}", getattr(row, stamp), opened_of[client_id])
            assert day(at) == getattr(row, on), (row, at)
            assert 8 <= timezone.localtime(at, zone).hour < 18, (row, at)

    # Versions of the strengths assessment: at the assessment (before the plan), then at the
    # review with the second matrix and ecomap copy.
    v1, v2 = StrengthsAssessmentVersion.objects.filter(assessment__client=dana).order_by("number")
    review = (
        QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm")
        .get(client=dana, occasion="review")
        .answered_on
    )
    entry = (
        QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm")
        .get(client=dana, occasion="entry")
        .answered_on
    )
    assert entry < day(seen("v1", v1.saved_at)) < dana.plans.get().created_at.date()
    assert day(seen("v2", v2.saved_at)) == review
    sa = StrengthsAssessment.objects.get(client=dana)
    assert seen("sa", sa.created_at) <= v1.saved_at and sa.updated_at == v2.saved_at

    # A concern exists before its first rating; factors and ecomap people before the copy that
    # shows them.
    for concern in Concern.objects.filter(client=dana):
        first = concern.ratings.order_by("rated_on").first()
        assert first is not None and seen("concern", concern.created_at) <= first.created_at
    first_copy = EcomapSnapshot.objects.filter(client=dana).order_by("taken_on").first()
    assert first_copy is not None
    for node in EcomapNode.objects.filter(client=dana):
        seen("node", node.created_at)
        shown = node.label in str(first_copy.data)
        assert (day(node.created_at) <= first_copy.taken_on) == shown, node
    for factor in Factor.objects.filter(client__in=[dana, rosa]):
        seen("factor", factor.created_at, opened_of[factor.client_id])
        seen("factor updated", factor.updated_at, opened_of[factor.client_id])

    # Nothing in Dana's assessments happened today: nothing is stamped at load time, in the
    # future or before her episode opened.
    for what, at, earliest in stamps:
        assert at < now - dt.timedelta(minutes=1), (what, at)
        assert day(at) >= earliest, (what, at)
    assert audit_chain_verify().ok
