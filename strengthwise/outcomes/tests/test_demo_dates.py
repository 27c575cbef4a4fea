"""Issue 10 (demo): the demo's closures and the return of a client who moved are dated on the
days the story gives them, in order, not at the moment the demo loaded."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from strengthwise.audit.verify import audit_chain_verify
from strengthwise.notes.models import Note
from strengthwise.outcomes.models import Closure, Reopening
from strengthwise.plans.models import GasFollowUp, Goal
from strengthwise.questionnaires.models import QuestionnaireResponse


@pytest.fixture
def demo(demo_agency):
    return demo_agency


def test_closures_are_dated_on_their_story_days(demo):
    closures = list(Closure.objects.select_related("episode", "client__agency").order_by("pk"))
    assert len(closures) == 2
    now = timezone.now()
    recent = now - dt.timedelta(minutes=1)
    for closure in closures:
        zone = zoneinfo.ZoneInfo(closure.client.agency.timezone)
        day = lambda at, zone=zone: timezone.localtime(at, zone).date()  # noqa: E731
        episode = closure.episode
        assert closure.status == Closure.Status.CLOSED and episode.closed_on == closure.closed_on
        assert closure.submitted_at is not None and closure.closed_at is not None
        # Written and sent on the day it is dated, closed then or (approved) the next morning.
        assert day(closure.created_at) == closure.closed_on
        assert day(closure.submitted_at) == closure.closed_on
        assert closure.created_at < closure.submitted_at <= closure.closed_at < recent
        assert day(closure.closed_at) <= closure.closed_on + dt.timedelta(days=1)
        if closure.reviewed_at is not None:
            assert closure.submitted_at < closure.reviewed_at == closure.closed_at
        assert closure.updated_at == closure.closed_at
        events = list(closure.events.order_by("pk"))
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(closure.submitted_at <= e.at for e in events)
        assert all(e.at < recent for e in events if e.kind != "reopened")
        # Nothing before the episode opened; no contact after the episode closed.
        assert closure.closed_on >= episode.opened_on
        assert not Note.objects.filter(
            client=closure.client, contact_date__gt=closure.closed_on, contact_date__lt=now.date()
        ).exists()
        for goal in Goal.objects.filter(plan__episode=episode):
            assert episode.opened_on <= day(goal.created_at) <= closure.closed_on
            assert goal.periods.get().start == day(goal.created_at)
            for followup in GasFollowUp.objects.filter(goal=goal):
                assert day(followup.created_at) == followup.scored_on
                assert followup.created_at < recent
        for matrix in QuestionnaireResponse.objects.filter(questionnaire__shipped="ssm").filter(
            client=closure.client
        ):
            assert day(matrix.created_at) == matrix.answered_on
            assert matrix.created_at < recent
    # The client who moved came back today: that one is stamped today, after the closure.
    reopening = Reopening.objects.get()
    assert reopening.previous_closure is not None
    assert reopening.previous_closure.closed_at < reopening.at <= now
    assert reopening.episode.opened_on == timezone.localdate(
        reopening.at, zoneinfo.ZoneInfo(reopening.client.agency.timezone)
    )
    assert audit_chain_verify().ok
