"""Demo plans (PERSONAS.md): Dana's plan with options weighed, steps with natural supports, GAS
follow-ups and an approval history; Rosa's plan in Spanish for the take-home PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max

from strengthwise.accounts.models import User
from strengthwise.assessments.demo import restamp, story_at, story_today
from strengthwise.assessments.models import Concern, EcomapNode, Factor
from strengthwise.people.models import Client

from . import services
from .models import GasFollowUp, Goal, GoalPeriod, OptionSet, Plan, PlanEvent, PlanVersion, Step

HOUSING_GAS = {
    "gas_minus2": "Still in the motel, no applications in",
    "gas_minus1": "Still in the motel, applications in",
    "gas_zero": "In an apartment with a lease by the end of spring",
    "gas_plus1": "In an apartment by the end of winter",
    "gas_plus2": "In an apartment Jayden can walk to school from, by the end of winter",
}
SCHOOL_GAS = {
    "gas_minus2": "Not enrolled and stopped looking",
    "gas_minus1": "Not enrolled yet, still looking at courses",
    "gas_zero": "Enrolled in the evening course for the fall",
    "gas_plus1": "Enrolled, with childcare arranged for class nights",
    "gas_plus2": "Enrolled, childcare arranged, and first module passed",
}


def _last_event(plan: Plan) -> int:
    return PlanEvent.objects.filter(plan=plan).aggregate(last=Max("pk"))["last"] or 0


def _events_at(plan: Plan, after: int, at: dt.datetime) -> int:
    """Date the plan's events written since event `after` (the sign-off history) at `at`."""
    PlanEvent.objects.filter(plan=plan, pk__gt=after).update(at=at)
    Plan.objects.filter(pk=plan.pk).update(updated_at=at)
    return _last_event(plan)


@transaction.atomic
def load(**options: Any) -> dict[str, Any]:
    alice = User.objects.filter(username="alice").first()
    bob = User.objects.filter(username="bob").first()
    dana = Client.objects.filter(
        legal_first_name="Dana", legal_last_name="Whitfield", agency__slug="river-city"
    ).first()
    if alice is None or bob is None or dana is None:
        return {}
    today = story_today(dana.agency_id)
    ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731
    at = lambda days, h, m=0: story_at(dana.agency_id, ago(days), h, m)  # noqa: E731
    # Dana's plan (days ago): written together at 100; agreed and signed at 98, returned by
    # bob at 97, a step added at 96 (version 2), agreed and signed at 95, approved at 94;
    # steps done at 85, 72 and 62; GAS follow-ups at 60, 30 and 7.
    plan = services.plan_start(acting_user=alice, client=dana)
    restamp(Plan, plan.pk, at(100, 10, 0))

    marisol = EcomapNode.objects.filter(client=dana, label__startswith="Marisol").first()
    services_node = EcomapNode.objects.filter(client=dana, label__startswith="River City").first()
    # Descriptions are sealed (no SQL comparison): pick them out in Python.
    factors = list(Factor.objects.filter(client=dana))
    organised = next((f for f in factors if f.description.startswith("Organised")), None)
    sister = next((f for f in factors if f.description.startswith("Close to her sister")), None)
    housing = services.goal_add(
        acting_user=alice,
        plan=plan,
        fields={
            "statement": "Move into an apartment Jayden and I can stay in",
            "author": "client",
            "verbatim": True,
            "why_it_matters": "A place with a door that locks and a room for Jayden.",
            "why_it_matters_verbatim": True,
            "domain": "daily_living",
            "stage": "action",
            "importance": 10,
            "confidence": 7,
            "gas_importance": 3,
            "gas_difficulty": 2,
            "gas_baseline": -1,
            "concern": Concern.objects.filter(client=dana, label__startswith="Finding").first(),
            **HOUSING_GAS,
        },
        strengths=[f for f in (organised, sister) if f],
        supports=[n for n in (marisol, services_node) if n],
    )
    for text, who, name, days_ahead, done_days_ago in [
        ("Gather my last three pay stubs", "client", "", -80, 85),
        ("Call two landlords who take vouchers", "worker", "", -70, 72),
        ("Drive Dana to the viewings", "support", "Marisol (sister)", 10, None),
        ("Apply to rapid re-housing", "agency", "River City Rapid Re-housing", -60, 62),
    ]:
        step = services.step_add(
            acting_user=alice,
            goal=housing,
            fields={
                "text": text,
                "who": who,
                "who_name": name,
                "target_date": today + dt.timedelta(days=days_ahead),
            },
        )
        restamp(Step, step.pk, at(100, 10, 20))
        if done_days_ago:
            services.step_mark_done(acting_user=alice, step=step, done_on=ago(done_days_ago))
            restamp(Step, step.pk, at(done_days_ago, 16, 0), "updated_at")

    choice = services.option_set_add(
        acting_user=alice,
        plan=plan,
        problem="How do I become a medical assistant?",
        options=[
            {
                "text": "Community college evening course",
                "pros": "Cheap; I can keep working",
                "pros_verbatim": True,
                "cons": "Late nights",
                "cons_verbatim": True,
                "author": "client",
            },
            {
                "text": "A 12-week private program",
                "pros": "Fast",
                "cons": "I'd need a loan",
                "cons_verbatim": True,
                "author": "client",
            },
        ],
    )
    services.option_choose(
        acting_user=alice,
        option_set=choice,
        option=choice.options.get(text__startswith="Community"),
    )
    school = services.option_make_goal(
        acting_user=alice, option_set=choice, domain="vocational_education"
    )
    school = services.goal_update(
        acting_user=alice,
        goal=school,
        version=school.version,
        fields={
            "statement": "Start the medical assistant course in the fall",
            "stage": "contemplation",
            "importance": 9,
            "confidence": 4,
            "gas_importance": 2,
            "gas_difficulty": 3,
            "gas_baseline": -1,
            **SCHOOL_GAS,
        },
    )
    restamp(OptionSet, choice.pk, at(100, 10, 30), "created_at")
    restamp(OptionSet, choice.pk, at(100, 10, 45), "updated_at", "chosen_at")
    restamp(Goal, housing.pk, at(100, 10, 15))
    restamp(Goal, school.pk, at(100, 10, 45), "created_at")
    restamp(Goal, school.pk, at(100, 10, 50), "updated_at")
    for text, who, name in [
        ("Ask the college about evening classes", "client", ""),
        ("Find out about fee waivers", "worker", ""),
        ("Ask Marisol to watch Jayden on class nights", "client", ""),
    ]:
        step = services.step_add(
            acting_user=alice,
            goal=school,
            fields={
                "text": text,
                "who": who,
                "who_name": name,
                "target_date": today + dt.timedelta(days=30),
            },
        )
        restamp(Step, step.pk, at(100, 11, 0))

    # Sign-off: v1 agreed and signed, returned by the supervisor, changed (v2), agreed, approved.
    seen = _last_event(plan)
    services.plan_client_agree(acting_user=alice, plan=plan, signed_name="Dana Whitfield")
    seen = _events_at(plan, seen, at(98, 11, 0))
    PlanVersion.objects.filter(plan=plan, number=1).update(created_at=at(98, 11, 0))
    services.plan_worker_sign(acting_user=alice, plan=plan)
    seen = _events_at(plan, seen, at(98, 11, 10))
    services.plan_review(
        acting_user=bob,
        plan=plan,
        approve=False,
        comment="Good plan. Add a step for the legal aid referral about the eviction record.",
    )
    seen = _events_at(plan, seen, at(97, 9, 30))
    step = services.step_add(
        acting_user=alice,
        goal=housing,
        fields={
            "text": "Meet legal aid about sealing the eviction record",
            "who": "client",
            "target_date": today + dt.timedelta(days=21),
        },
    )
    seen = _events_at(plan, seen, at(96, 14, 0))
    restamp(Step, step.pk, at(96, 14, 0))
    plan.refresh_from_db()
    services.plan_client_agree(acting_user=alice, plan=plan, signed_name="Dana Whitfield")
    seen = _events_at(plan, seen, at(95, 10, 30))
    PlanVersion.objects.filter(plan=plan, number=2).update(created_at=at(95, 10, 30))
    services.plan_worker_sign(acting_user=alice, plan=plan)
    seen = _events_at(plan, seen, at(95, 10, 40))
    services.plan_review(
        acting_user=bob, plan=plan, approve=True, comment="Approved — nice work on the options."
    )
    seen = _events_at(plan, seen, at(94, 9, 15))

    for days, goal, level, by in [
        (60, housing, -1, "client"),
        (60, housing, -1, "worker"),
        (60, school, -1, "client"),
        (30, housing, 0, "client"),
        (30, housing, -1, "worker"),
        (30, school, -1, "client"),
        (30, school, -1, "worker"),
        (7, housing, 0, "client"),
        (7, housing, 0, "worker"),
        (7, school, 0, "client"),
        (7, school, -1, "worker"),
    ]:
        followup = services.gas_followup_add(
            acting_user=alice, goal=goal, level=level, scored_by=by, scored_on=ago(days)
        )
        restamp(GasFollowUp, followup.pk, at(days, 15, 0), "created_at")
    # Both goals were in the plan from the day it was written (a follow-up only moves a
    # goal's first day earlier, never later).
    GoalPeriod.objects.filter(goal__in=[housing, school]).update(start=ago(100))

    rosa = Client.objects.filter(legal_first_name="Rosa", agency_id=dana.agency_id).first()
    if rosa is not None and rosa.episodes.filter(closed_on__isnull=True).exists():
        # Rosa's episode opened 45 days ago; her plan was started at 28 and is still a draft.
        rosa_plan = services.plan_start(acting_user=alice, client=rosa)
        restamp(Plan, rosa_plan.pk, at(28, 14, 0))
        taller = services.goal_add(
            acting_user=alice,
            plan=rosa_plan,
            fields={
                "statement": "Tener mi propio taller de costura",
                "author": "client",
                "verbatim": True,
                "why_it_matters": "Veinte años cosiendo; quiero trabajar para mí.",
                "why_it_matters_verbatim": True,
                "domain": "vocational_education",
            },
        )
        restamp(Goal, taller.pk, at(28, 14, 10))
        GoalPeriod.objects.filter(goal=taller).update(start=ago(28))
        for text, who, name in [
            ("Hacer una lista de clientas del barrio", "client", ""),
            ("Buscar un programa para pequeños negocios", "worker", ""),
            ("Preguntar en la iglesia por un local", "support", "Hermana Lucía (iglesia)"),
        ]:
            step = services.step_add(
                acting_user=alice,
                goal=taller,
                fields={
                    "text": text,
                    "who": who,
                    "who_name": name,
                    "target_date": today + dt.timedelta(days=45),
                },
            )
            restamp(Step, step.pk, at(28, 14, 20))
    return {
        "plan": plan.pk,
        "goals": Goal.objects.filter(plan=plan).count(),
        "followups": GasFollowUp.objects.count(),
    }
