"""Issue 10 (demo): Dana's plan, its sign-off history and follow-ups are dated over her case,
in order, not at the moment the demo loaded."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from strengthwise.assessments.models import StrengthsAssessmentVersion
from strengthwise.audit.verify import audit_chain_verify
from strengthwise.people.models import Client
from strengthwise.plans.models import GasFollowUp, Goal, Plan, PlanEvent, PlanVersion, Step


@pytest.fixture
def demo(demo_agency):
    return demo_agency.dana


def test_dana_plan_history_is_spread_over_her_case_in_order(demo):
    dana = demo
    zone = zoneinfo.ZoneInfo(dana.agency.timezone)
    now = timezone.now()
    day = lambda at: timezone.localtime(at, zone).date()  # noqa: E731
    opened = min(e.opened_on for e in dana.episodes.all())
    plan = Plan.objects.get(client=dana)
    stamps = [plan.created_at, plan.updated_at]

    # Written after the strengths assessment, goals and steps with it (or later).
    first_assessment = StrengthsAssessmentVersion.objects.get(assessment__client=dana, number=1)
    assert first_assessment.saved_at < plan.created_at
    for goal in Goal.objects.filter(plan=plan):
        stamps += [goal.created_at, goal.updated_at]
        assert plan.created_at <= goal.created_at <= goal.updated_at
        # In the plan from the day it was written: the T-score counts it from then on.
        assert goal.periods.get().start == day(goal.created_at)
        for step in Step.objects.filter(goal=goal):
            stamps += [step.created_at, step.updated_at]
            assert goal.created_at <= step.created_at <= step.updated_at
            if step.done_on:
                assert day(step.updated_at) == step.done_on, step
        for followup in GasFollowUp.objects.filter(goal=goal):
            stamps.append(followup.created_at)
            assert day(followup.created_at) == followup.scored_on, followup
            assert followup.created_at > goal.created_at

    # Sign-off: agreed → signed → sent → returned; changed (v2) → agreed → signed → sent →
    # approved, each after the one before, on working days before the follow-ups began.
    events = list(PlanEvent.objects.filter(plan=plan).order_by("pk"))
    assert [(e.kind, e.number) for e in events] == [
        ("client_agreed", 1),
        ("worker_signed", 1),
        ("submitted", 1),
        ("returned", 1),
        ("reopened", 2),
        ("client_agreed", 2),
        ("worker_signed", 2),
        ("submitted", 2),
        ("approved", 2),
    ]
    ats = [e.at for e in events]
    stamps += ats
    assert ats == sorted(ats) and plan.created_at < ats[0]
    assert ats[0] < ats[1] and ats[3] > ats[2] and ats[5] > ats[4] and ats[8] > ats[7]
    assert len({day(a) for a in ats}) >= 4  # not all on one day: bob returned it another day
    first_score = min(f.scored_on for f in GasFollowUp.objects.filter(goal__plan=plan))
    assert day(ats[-1]) < first_score
    assert plan.updated_at == ats[-1]  # approved is the plan's last change
    for version in PlanVersion.objects.filter(plan=plan):
        agreed = next(e for e in events if e.kind == "client_agreed" and e.number == version.number)
        assert version.created_at == agreed.at
        stamps.append(version.created_at)
    rosa = Client.objects.get(legal_first_name="Rosa", agency_id=dana.agency_id)
    rosa_plan = Plan.objects.get(client=rosa)
    rosa_opened = min(e.opened_on for e in rosa.episodes.all())
    assert rosa_opened < day(rosa_plan.created_at)
    for goal in rosa_plan.goals.all():
        assert goal.periods.get().start == day(goal.created_at) >= day(rosa_plan.created_at)
        for step in goal.steps.all():
            assert rosa_plan.created_at <= step.created_at < now - dt.timedelta(minutes=1)

    # Nothing in the plan happened today, in the future or before the episode opened.
    for at in stamps:
        assert at < now - dt.timedelta(minutes=1), at
        assert day(at) >= opened, at
        assert 8 <= timezone.localtime(at, zone).hour < 18, at
    assert audit_chain_verify().ok
