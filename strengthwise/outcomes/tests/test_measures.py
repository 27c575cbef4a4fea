"""Outcome measures on a small data set where every figure is worked out by hand.

The period P is 1 January – 30 June 2025 in River City's time zone (America/Chicago, UTC−6 in
winter, UTC−5 from 9 March). Clients (from the personas, plus Eli):

    dana   Housing Stability (team housing, worker alice), intake 10 Jan 2025
    rosa   Housing Stability (team housing, worker alice), intake  3 Feb 2025
    keisha Family Support    (team family,  worker carol), intake  1 Mar 2025
    eli    Housing Stability (team housing, worker alice), intake  2 May 2025, no plan yet
    dup    Dana's old duplicate record, merged into dana: its rows must never count
    mallory's client, in another agency: never counts

Each test states the figures it expects and how they follow from the rows in `data`.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strengthwise.assessments import as_questionnaire
from strengthwise.assessments.models import (
    Factor,
    Level,
    StrengthsAssessment,
    StrengthsAssessmentVersion,
    Valence,
)
from strengthwise.assessments.screening import hrsn_template
from strengthwise.assessments.templates_data import template_current
from strengthwise.directory.hsds import CAPACITY_TAXONOMY_ID
from strengthwise.directory.models import Attribute, Taxonomy, TaxonomyTerm
from strengthwise.directory.testing import make_service
from strengthwise.outcomes import measures
from strengthwise.outcomes.measures import Scope
from strengthwise.outcomes.suppression import suppress
from strengthwise.people.models import Client, Episode
from strengthwise.plans import gas as gas_formula
from strengthwise.plans.models import GasFollowUp, Goal, GoalPeriod, Plan
from strengthwise.questionnaires.services import response_create
from strengthwise.referrals.models import Referral

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
TODAY = dt.date(2025, 7, 1)  # "now" for data quality
UTC = dt.UTC


def at(y: int, m: int, d: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment in UTC."""
    return dt.datetime(y, m, d, hour, minute, tzinfo=UTC)


# --- the data set ------------------------------------------------------------------------------

GAS_LEVELS = {f"gas_{k}": k for k in ("minus2", "minus1", "zero", "plus1", "plus2")}


def _goal(
    plan: Plan,
    statement: str,
    *,
    author: str,
    status: str = Goal.Status.ACTIVE,
    weights: tuple[int | None, int | None] = (None, None),
    created: dt.datetime,
    updated: dt.datetime | None = None,
    domain: str = "daily_living",
) -> Goal:
    goal = Goal.objects.create(
        agency_id=plan.agency_id,
        client_id=plan.client_id,
        plan=plan,
        statement=statement,
        author=author,
        status=status,
        gas_importance=weights[0],
        gas_difficulty=weights[1],
        domain=domain,
        recorded_by=plan.created_by,
    )
    # created_at / updated_at are automatic; the measures date events by them, so set them.
    Goal.objects.filter(pk=goal.pk).update(
        created_at=created, updated_at=updated or created, **GAS_LEVELS
    )
    # Its days in the plan, as the services keep them: from the day it was written until the
    # day it was set aside or revised (`_score` moves the start back to an earlier score).
    left = status in (Goal.Status.SET_ASIDE, Goal.Status.REVISED)
    GoalPeriod.objects.create(
        agency_id=plan.agency_id,
        goal=goal,
        start=created.date(),
        end=(updated or created).date() if left else None,
    )
    return goal


def _score(goal: Goal, day: dt.date, level: int, by: str = "client") -> None:
    GoalPeriod.objects.filter(goal=goal, start__gt=day).update(start=day)
    GasFollowUp.objects.create(
        agency_id=goal.agency_id,
        goal=goal,
        scored_on=day,
        level=level,
        scored_by=by,
        recorded_by=goal.recorded_by,
    )


def _matrix(
    client: Client,
    kind: str,
    day: dt.date,
    scores: dict[str, int],
    *,
    user: Any,
    member: Any = None,
) -> None:
    template = template_current(agency_id=client.agency_id, kind="ssm")
    response_create(  # as the service keeps it, without its rules on the order of matrices
        acting_user=user,
        client=client,
        version=as_questionnaire.shipped_version(
            agency_id=client.agency_id,
            kind="ssm",
            content=template.content,
            version=template.version,
        ),
        typed={d: [str(s)] for d, s in scores.items()},
        occasion=kind,
        answered_on=day,
        member=member,
    )


def _factor(
    client: Client,
    description: str,
    *,
    valence: str,
    level: str,
    domain: str,
    created: dt.datetime,
    user: Any,
    active: bool = True,
) -> Factor:
    factor = Factor.objects.create(
        agency_id=client.agency_id,
        client=client,
        description=description,
        valence=valence,
        level=level,
        domain=domain,
        active=active,
        recorded_by=user,
    )
    Factor.objects.filter(pk=factor.pk).update(created_at=created)
    return factor


def _referral(
    client: Client,
    service: Any,
    status: str,
    requested: dt.datetime,
    *,
    user: Any,
    accepted: dt.datetime | None = None,
    finished: dt.datetime | None = None,
    reason: str = "",
    helpful: int | None = None,
) -> Referral:
    return Referral.objects.create(
        agency_id=client.agency_id,
        client=client,
        service=service,
        organization=service.organization,
        status=status,
        status_reason=reason,
        requested_at=requested,
        accepted_at=accepted,
        finished_at=finished,
        helpful=helpful,
        created_by=user,
    )


def _screen(client: Client, day: dt.date, positive: dict[str, bool], user: Any) -> None:
    response_create(
        acting_user=user,
        client=client,
        version=as_questionnaire.shipped_version(
            agency_id=client.agency_id, kind="screening", content=hrsn_template(), version=1
        ),
        typed={},
        answered_on=day,
        derived={
            "results": {
                k: {"positive": v, "detail": "", "label": k, "suggestion": ""}
                for k, v in positive.items()
            }
        },
    )


@pytest.fixture
def data(personas: Any) -> SimpleNamespace:
    p = personas
    river, alice, carol = p.river_city, p.alice, p.carol
    dana, rosa, keisha, dup = p.dana, p.rosa, p.carol_client, p.dana_duplicate
    other = p.mallory_client
    family = p.family_program
    family.reassessment_days = 60
    family.referral_follow_up_days = 14
    family.save()

    Episode.objects.filter(client=dana, closed_on__isnull=True).update(
        opened_on=dt.date(2025, 1, 10)
    )
    Episode.objects.filter(client=rosa, closed_on__isnull=True).update(
        opened_on=dt.date(2025, 2, 3)
    )
    Episode.objects.filter(client=keisha, closed_on__isnull=True).update(
        opened_on=dt.date(2025, 3, 1)
    )
    eli = Client.objects.create(
        agency=river,
        team=p.housing,
        primary_worker=alice,
        legal_first_name="Eli",
        legal_last_name="Park",
    )
    Episode.objects.create(
        agency=river, client=eli, program=p.housing_program, opened_on=dt.date(2025, 5, 2)
    )
    Client.objects.filter(pk=dup.pk).update(merged_into=dana)

    def plan_for(client: Client, created: dt.datetime, user: Any) -> Plan:
        episode = Episode.objects.get(client=client, closed_on__isnull=True)
        plan = Plan.objects.create(
            agency_id=client.agency_id, client=client, episode=episode, created_by=user
        )
        Plan.objects.filter(pk=plan.pk).update(created_at=created)
        return plan

    # Intake to plan: dana 10 Jan → 20 Jan = 10 days. Rosa 3 Feb → 8 Feb 05:30 UTC, which is
    # 7 Feb 23:30 in Chicago: 4 days (5 if the day were taken in UTC). Keisha 1 → 4 Mar = 3.
    dana_plan = plan_for(dana, at(2025, 1, 20, 16), alice)
    rosa_plan = plan_for(rosa, at(2025, 2, 8, 5, 30), alice)
    keisha_plan = plan_for(keisha, at(2025, 3, 4, 16), carol)
    other_plan = plan_for(other, at(2025, 3, 4, 16), p.mallory)

    # Goals. Weights are importance × difficulty.
    d1 = _goal(
        dana_plan,
        "Keep my room until the apartment",
        author="client",
        weights=(3, 2),
        created=at(2025, 1, 20, 17),
    )  # w = 6
    d2 = _goal(
        dana_plan,
        "Get my GED",
        author="together",
        status=Goal.Status.ACHIEVED,
        weights=(1, 2),
        created=at(2025, 1, 20, 17),
        updated=at(2025, 5, 15),
        domain="vocational_education",
    )  # w = 2
    d3 = _goal(
        dana_plan,
        "Find any job",
        author="worker",
        status=Goal.Status.REVISED,
        weights=(2, 2),
        created=at(2025, 1, 21),
        updated=at(2025, 3, 1),
    )
    _goal(dana_plan, "Visit my sister monthly", author="client", created=at(2025, 8, 1))  # after P
    r1 = _goal(rosa_plan, "Keep my home", author="client", created=at(2025, 2, 8, 6))  # no weights
    r2 = _goal(
        rosa_plan,
        "Fix the heating",
        author="client",
        status=Goal.Status.SET_ASIDE,
        weights=(2, 2),
        created=at(2025, 2, 8, 6),
        updated=at(2025, 4, 10),
    )  # w = 4
    k1 = _goal(
        keisha_plan, "Move somewhere safe", author="worker", weights=(3, 3), created=at(2025, 3, 5)
    )  # w = 9
    m1 = _goal(other_plan, "Other agency's goal", author="client", created=at(2025, 3, 5))

    # GAS follow-ups (client-scored unless said).
    _score(d1, dt.date(2025, 1, 25), -1)
    _score(d1, dt.date(2025, 4, 1), 0)
    _score(d1, dt.date(2025, 8, 1), 2)  # after P: ignored
    _score(d1, dt.date(2025, 4, 1), 1, by="worker")
    _score(d2, dt.date(2025, 2, 1), -2)
    _score(d2, dt.date(2025, 5, 10), 1)
    _score(d3, dt.date(2025, 2, 1), 2)  # revised goal: never in a T-score
    _score(r1, dt.date(2025, 3, 10), -1)
    _score(r1, dt.date(2025, 6, 20), -1)
    _score(r2, dt.date(2024, 12, 1), 0)  # before P: still rosa's latest level for this goal
    _score(k1, dt.date(2025, 3, 15), 1, by="worker")
    _score(m1, dt.date(2025, 3, 15), 2)

    # Self-Sufficiency Matrices (the client's own unless a member is given).
    marisol = dana.household.get(name="Marisol Whitfield")
    _matrix(
        dana,
        "entry",
        dt.date(2025, 1, 12),
        {"income": 1, "housing": 1, "employment": 2, "food": 0, "childcare": 3},
        user=alice,
    )
    _matrix(
        dana,
        "review",
        dt.date(2025, 3, 15),
        {"income": 2, "housing": 1, "employment": 2, "food": 3, "childcare": 2},
        user=alice,
    )
    _matrix(
        dana, "review", dt.date(2025, 4, 1), {"income": 5, "housing": 5}, user=alice, member=marisol
    )  # another adult's matrix: not dana's
    _matrix(
        dana,
        "review",
        dt.date(2025, 6, 10),
        {"income": 3, "housing": 2, "employment": 1, "food": 3, "childcare": 0},
        user=alice,
    )
    _matrix(
        rosa, "entry", dt.date(2025, 2, 5), {"income": 2, "housing": 3, "employment": 1}, user=alice
    )
    _matrix(
        rosa,
        "exit",
        dt.date(2025, 5, 20),
        {"income": 2, "housing": 4, "employment": 1, "food": 2},
        user=alice,
    )
    _matrix(keisha, "entry", dt.date(2025, 4, 15), {"income": 2}, user=carol)  # no review yet
    _matrix(eli, "review", dt.date(2025, 5, 5), {"income": 2}, user=alice)  # no entry
    _matrix(other, "entry", dt.date(2025, 1, 5), {"income": 1}, user=p.mallory)
    _matrix(other, "exit", dt.date(2025, 2, 5), {"income": 5}, user=p.mallory)

    # Strengths and barriers, linked to goals.
    def factor(client: Client, text: str, **kw: Any) -> Factor:
        kw.setdefault("created", at(2025, 1, 15))
        return _factor(client, text, user=alice, **kw)

    f1 = factor(
        dana, "Family", valence=Valence.STRENGTH, level=Level.MESO, domain="social_supports"
    )
    f2 = factor(
        dana, "Art and music", valence=Valence.STRENGTH, level=Level.MICRO, domain="leisure"
    )
    f3 = factor(
        dana, "family.", valence=Valence.STRENGTH, level=Level.MICRO, domain="social_supports"
    )
    f4 = factor(
        dana,
        "Persistence",
        valence=Valence.STRENGTH,
        level=Level.MICRO,
        domain="vocational_education",
    )
    fb = factor(
        dana,
        "Anxiety on the bus",
        valence=Valence.BARRIER,
        level=Level.MICRO,
        domain="health",
        created=at(2025, 3, 1),
    )
    f5 = factor(
        rosa, "Faith", valence=Valence.STRENGTH, level=Level.MICRO, domain="spirituality_culture"
    )
    d1.strengths.add(f1, f2, fb)
    d2.strengths.add(f3, f4)
    r1.strengths.add(f5)
    # Macro-level barriers (advocacy).
    macro = {"valence": Valence.BARRIER, "level": Level.MACRO}
    factor(
        dana,
        "Landlords turn away housing vouchers",
        domain="daily_living",
        created=at(2025, 2, 10, 15),
        **macro,
    )
    factor(
        dana, "Voucher waitlist closed", domain="daily_living", created=at(2025, 2, 20, 15), **macro
    )
    factor(
        rosa,
        "No Spanish forms at the benefits office",
        domain="financial",
        created=at(2025, 2, 15, 15),
        **macro,
    )
    factor(keisha, "Shelter rules", domain="daily_living", created=at(2025, 4, 5, 15), **macro)
    factor(eli, "No buses at night", domain="daily_living", created=at(2025, 2, 25, 15), **macro)
    # 1 Jan 05:30 UTC is still 31 Dec in Chicago: outside P. 1 Jul 04:00 UTC is 30 Jun: June.
    factor(rosa, "Benefit cuts", domain="financial", created=at(2025, 1, 1, 5, 30), **macro)
    factor(keisha, "Wage theft", domain="financial", created=at(2025, 7, 1, 4), **macro)
    factor(other, "Other agency", domain="daily_living", created=at(2025, 2, 10), **macro)
    factor(dup, "Merged record", domain="daily_living", created=at(2025, 3, 10), **macro)
    # Micro barriers (needs) and a meso one (context, not a need).
    factor(
        rosa,
        "No friends nearby",
        valence=Valence.BARRIER,
        level=Level.MESO,
        domain="leisure",
        created=at(2025, 4, 1),
    )
    factor(
        keisha, "Sleep", valence=Valence.BARRIER, level=Level.MICRO, domain="health", active=False
    )
    factor(eli, "No bus pass", valence=Valence.BARRIER, level=Level.MICRO, domain="daily_living")
    factor(
        rosa,
        "Back pain",
        valence=Valence.BARRIER,
        level=Level.MICRO,
        domain="health",
        created=at(2025, 8, 1),
    )  # after P
    factor(other, "Other agency", valence=Valence.BARRIER, level=Level.MICRO, domain="health")

    # Directory: active services cover daily_living, financial, vocational_education and
    # social_supports; the only health service is inactive.
    s1 = make_service("Eviction prevention", term="Housing", domains=("daily_living", "financial"))
    s2 = make_service("Food pantry", term="Food", domains=("daily_living",))
    basic = TaxonomyTerm.objects.create(name="Basic needs", description="Basic needs")
    Attribute.objects.create(taxonomy_term=basic, link_entity="service", link_id=s2.pk)
    s3 = make_service("Job club", term="Employment", domains=("vocational_education",))
    s4 = make_service("Parent circle", domains=("social_supports",))  # no category
    make_service("Clinic", term="Health", domains=("health",), status="inactive")
    capacity = Taxonomy.objects.create(
        id=CAPACITY_TAXONOMY_ID, name="Capacity", description="local"
    )
    no_room = TaxonomyTerm.objects.create(
        taxonomy=capacity, code="waitlist", name="Waitlist", description="x"
    )
    Attribute.objects.create(
        taxonomy_term=no_room, link_entity="service", link_id=s1.pk
    )  # not a category

    def ref(
        client: Client, service: Any, status: str, requested: dt.datetime, **kw: Any
    ) -> Referral:
        return _referral(client, service, status, requested, user=alice, **kw)

    ref(
        dana,
        s1,
        "completed",
        at(2025, 2, 1, 15),
        accepted=at(2025, 2, 3, 15),
        finished=at(2025, 2, 11, 15),
        helpful=5,
    )  # 1: accept 2 d, complete 10 d
    ref(
        dana,
        s2,
        "rejected",
        at(2025, 3, 1, 15),
        finished=at(2025, 3, 2, 15),
        reason="No capacity this month",
    )  # 2
    ref(
        rosa,
        s2,
        "completed",
        at(2025, 3, 10, 12),
        accepted=at(2025, 3, 11, 6),
        finished=at(2025, 3, 15, 12),
        helpful=3,
    )  # 3: accept 0.75 d, complete 5 d
    ref(
        rosa,
        s1,
        "rejected",
        at(2025, 4, 1, 12),
        finished=at(2025, 4, 2, 12),
        reason="Not eligible",
        helpful=2,
    )  # 4
    ref(keisha, s3, "in-progress", at(2025, 5, 1, 12), accepted=at(2025, 5, 4, 12))  # 5: 3 d
    ref(
        keisha,
        s3,
        "cancelled",
        at(2025, 6, 1, 12),
        finished=at(2025, 6, 5, 12),
        reason="Moved",
        helpful=1,
    )  # 6
    ref(eli, s1, "requested", at(2025, 6, 25, 12))  # 7: waiting
    ref(
        dana,
        s1,
        "completed",
        at(2025, 6, 20, 12),
        accepted=at(2025, 6, 28, 12),
        finished=at(2025, 7, 5, 12),
        helpful=4,
    )  # 8: accepted in P (8 d), finished after
    ref(
        dup,
        s1,
        "completed",
        at(2025, 2, 1),
        accepted=at(2025, 2, 2),
        finished=at(2025, 2, 5),
        helpful=1,
    )  # 9: merged record
    _referral(
        other,
        s1,
        "completed",
        at(2025, 2, 1),
        user=p.mallory,
        accepted=at(2025, 2, 2),
        finished=at(2025, 2, 5),
        helpful=1,
    )  # 10: other agency
    ref(rosa, s2, "entered-in-error", at(2025, 3, 1), accepted=at(2025, 3, 2))  # 11
    ref(
        keisha,
        s4,
        "rejected",
        at(2025, 5, 18, 12),
        finished=at(2025, 5, 20, 12),
        reason="Program at CAPACITY",
    )  # 12
    ref(rosa, s2, "requested", at(2025, 6, 28, 12))  # 13: waiting, not yet stale
    ref(keisha, s3, "requested", at(2025, 6, 20, 12))  # 14: waiting, Family Support waits 14 d
    _referral(other, s1, "requested", at(2025, 5, 1), user=p.mallory)  # other agency

    # Social-needs screens: only each client's latest up to the end of P counts.
    _screen(dana, dt.date(2025, 2, 1), {"safety": True}, alice)
    _screen(dana, dt.date(2025, 5, 1), {"safety": False, "food": True}, alice)
    _screen(rosa, dt.date(2025, 3, 1), {"safety": True}, alice)
    _screen(keisha, dt.date(2025, 7, 15), {"safety": True}, carol)  # after P
    _screen(other, dt.date(2025, 3, 1), {"safety": True}, p.mallory)

    # Strengths assessments: dana and rosa saved one; keisha's was started but never saved.
    template = template_current(agency_id=river.pk, kind="strengths")
    for client, saved in ((dana, at(2025, 1, 15)), (rosa, at(2025, 3, 1)), (keisha, None)):
        sa = StrengthsAssessment.objects.create(agency=river, client=client, template=template)
        if saved:
            v = StrengthsAssessmentVersion.objects.create(
                agency=river, assessment=sa, number=1, content={}, saved_by=alice
            )
            StrengthsAssessmentVersion.objects.filter(pk=v.pk).update(saved_at=saved)

    return SimpleNamespace(
        p=p,
        river=river,
        dana=dana,
        rosa=rosa,
        keisha=keisha,
        eli=eli,
        dup=dup,
        other=other,
        s1=s1,
        s2=s2,
        s3=s3,
        s4=s4,
    )


def period(data: SimpleNamespace, **kw: Any) -> Scope:
    kw.setdefault("start", START)
    kw.setdefault("end", END)
    return Scope(agency_id=data.river.pk, **kw)


# --- GAS ---------------------------------------------------------------------------------------


def test_gas_t_scores_by_hand(data: SimpleNamespace) -> None:
    # Client-scored, levels on or before 30 Jun:
    # A client's T-score is their plan's on the day of their last score in P, over the goals
    # in the plan that day (plans.selectors.t_score_on).
    #   dana: last score 10 May. D1 latest 0 (1 Apr; the 1 Aug +2 is after P), weight 6; D2
    #         latest +1, weight 2; D3 was revised on 1 Mar: not in the plan. Both weighted:
    #         T = 50 + 10·(6·0 + 2·1) / √(0.7·(36 + 4) + 0.3·8²) = 50 + 20/√47.2 = 52.91
    #   rosa: last score 20 Jun. R1 −1 (no ratings); R2 was set aside on 10 Apr: not in the
    #         plan. Unweighted: T = 50 + 10·(−1) / √(0.7·1 + 0.3·1²) = 40.00
    #   keisha: only her worker scored K1 → not in the client-scored figures: left out.
    #   eli: no goals. mallory's client: another agency. dup: merged.
    scores = measures.gas_scores(period(data))
    assert {k: round(v, 2) for k, v in scores.items()} == {data.dana.pk: 52.91, data.rosa.pk: 40.0}
    # The database sums give exactly what plans.gas.t_score gives from the levels.
    assert scores[data.dana.pk] == pytest.approx(gas_formula.t_score([0, 1], [6, 2]), abs=1e-9)
    assert scores[data.rosa.pk] == pytest.approx(gas_formula.t_score([-1]), abs=1e-9)

    result = measures.gas(period(data))
    assert result["clients"] == 2
    assert result["left_out"] == 1  # keisha: a goal, no client score in P
    assert result["goals"] == 3  # D1, D2, R1
    assert result["weighted_clients"] == 1  # dana
    assert result["mean"] == {"value": 46.46, "denominator": 2}  # (52.911 + 40.0) / 2
    assert result["at_or_above_50"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    bins = {b["from"]: b["count"] for b in result["distribution"]}
    assert bins == {10: 0, 20: 0, 30: 0, 40: 1, 50: 1, 60: 0, 70: 0, 80: 0}


def test_gas_scored_by_the_worker(data: SimpleNamespace) -> None:
    # Worker scores in P: D1 +1 (1 Apr) and K1 +1 (15 Mar).
    #   dana: only D1 has a worker score: T = 50 + 10·6·1 / √(0.7·36 + 0.3·36) = 60.00
    #   keisha: K1, weight 9: T = 50 + 10·9 / 9 = 60.00
    #   rosa has goals but no worker score: left out.
    scores = measures.gas_scores(period(data), scored_by="worker")
    assert {k: round(v, 2) for k, v in scores.items()} == {data.dana.pk: 60.0, data.keisha.pk: 60.0}
    result = measures.gas(period(data), scored_by="worker")
    assert result["clients"] == 2
    assert result["left_out"] == 1
    assert result["mean"] == {"value": 60.0, "denominator": 2}
    assert result["at_or_above_50"] == {"value": 1.0, "numerator": 2, "denominator": 2}
    with pytest.raises(ValueError):
        measures.gas(period(data), scored_by="supervisor")


def test_gas_first_quarter(data: SimpleNamespace) -> None:
    # 1 Jan – 31 Mar: dana's last score is 1 Feb; in the plan then: D1 −1 (25 Jan, w 6), D2 −2
    #   (1 Feb, w 2) and D3 +2 (1 Feb, w 4; revised only on 1 Mar):
    #   T = 50 + 10·(−6 − 4 + 8) / √(0.7·56 + 0.3·12²) = 50 − 20/√82.4 = 47.80
    # rosa: last score 10 Mar; R1 −1, R2 0 (set aside only on 10 Apr), unweighted (R1 has no
    #   ratings): 50 + 10·(−1) / √2.6 = 43.80. Mean (47.797 + 43.798) / 2 = 45.80; none at 50+.
    scope = period(data, end=dt.date(2025, 3, 31))
    scores = measures.gas_scores(scope)
    assert {k: round(v, 2) for k, v in scores.items()} == {data.dana.pk: 47.80, data.rosa.pk: 43.80}
    result = measures.gas(scope)
    assert result["mean"]["value"] == 45.80
    assert result["at_or_above_50"] == {"value": 0.0, "numerator": 0, "denominator": 2}
    # Worker scores in Q1: only K1 (15 Mar); dana's worker score is 1 Apr.
    assert measures.gas_scores(scope, scored_by="worker").keys() == {data.keisha.pk}


@pytest.mark.parametrize("by", ["team", "worker", "program"])
def test_gas_scoped_to_family_support(data: SimpleNamespace, by: str) -> None:
    # Family Support is keisha alone (team family, worker carol, program Family Support): no
    # client scores, so nobody is scored and keisha is left out; her worker's score is 60.
    p = data.p
    scope = period(
        data,
        **{
            "team": {"team_id": p.family.pk},
            "worker": {"worker_id": p.carol.pk},
            "program": {"program_id": p.family_program.pk},
        }[by],
    )
    result = measures.gas(scope)
    assert result["clients"] == 0
    assert result["left_out"] == 1
    assert result["mean"] == {"value": None, "denominator": 0}
    assert result["at_or_above_50"] == {"value": None, "numerator": 0, "denominator": 0}
    assert measures.gas(scope, scored_by="worker")["mean"] == {"value": 60.0, "denominator": 1}


def test_gas_scoped_to_housing_and_to_given_clients(data: SimpleNamespace) -> None:
    p = data.p
    for scope in (
        period(data, team_id=p.housing.pk),
        period(data, worker_id=p.alice.pk),
        period(data, program_id=p.housing_program.pk),
    ):
        result = measures.gas(scope)
        assert (result["clients"], result["left_out"], result["mean"]["value"]) == (2, 0, 46.46)
    only_dana = period(data, client_ids=Client.objects.filter(pk=data.dana.pk).values("pk"))
    assert measures.gas(only_dana)["mean"] == {"value": 52.91, "denominator": 1}
    # The other agency sees only its own client: one goal at +2 → T = 70.
    east = Scope(agency_id=data.p.eastgate.pk, start=START, end=END)
    assert measures.gas(east)["mean"] == {"value": 70.0, "denominator": 1}


# --- Self-Sufficiency Matrix -------------------------------------------------------------------


def test_ssm_change_by_hand(data: SimpleNamespace) -> None:
    # Latest review/exit in P against the entry before it (own matrices only):
    #   dana: entry 12 Jan vs review 10 Jun (her 15 Mar review is older; Marisol's is not hers)
    #         income 1→3 (+2), housing 1→2 (+1), employment 2→1 (−1), food 0→3 (n/a),
    #         childcare 3→0 (n/a)
    #   rosa: entry 5 Feb vs exit 20 May: income 2→2, housing 3→4 (+1), employment 1→1,
    #         food —→2 (not at entry: n/a)
    #   keisha (entry only) and eli (review only) had a matrix in P but no pair: left out.
    result = measures.ssm_change(period(data))
    assert result["clients"] == 2
    assert result["left_out"] == 2
    by = {d["domain"]: d for d in result["domains"]}
    assert [d["domain"] for d in result["domains"]] == [
        "income",
        "employment",
        "housing",
        "food",
        "childcare",
    ]
    assert by["income"] == {
        "domain": "income",
        "label": "Income",
        "clients": 2,
        "not_applicable": 0,
        "improved": {"value": 0.5, "numerator": 1, "denominator": 2},
        "unchanged": {"value": 0.5, "numerator": 1, "denominator": 2},
        "worse": {"value": 0.0, "numerator": 0, "denominator": 2},
        "mean_change": {"value": 1.0, "denominator": 2},  # (2 + 0) / 2
    }
    assert by["housing"]["improved"] == {"value": 1.0, "numerator": 2, "denominator": 2}
    assert by["housing"]["mean_change"] == {"value": 1.0, "denominator": 2}
    assert by["employment"]["worse"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert by["employment"]["unchanged"]["numerator"] == 1
    assert by["employment"]["mean_change"] == {"value": -0.5, "denominator": 2}
    assert (by["food"]["clients"], by["food"]["not_applicable"]) == (0, 2)
    assert by["food"]["improved"] == {"value": None, "numerator": 0, "denominator": 0}
    assert (by["childcare"]["clients"], by["childcare"]["not_applicable"]) == (0, 1)


def test_ssm_change_first_quarter_and_program(data: SimpleNamespace) -> None:
    # Q1: dana's latest review is 15 Mar: income 1→2 (+1), housing 1→1, employment 2→2,
    # food 0→3 (n/a), childcare 3→2 (−1). Rosa's exit (20 May) is after Q1, so her Q1 entry
    # has no pair: left out. Keisha's entry (15 Apr) and eli's review (5 May) are after Q1.
    result = measures.ssm_change(period(data, end=dt.date(2025, 3, 31)))
    assert (result["clients"], result["left_out"]) == (1, 1)
    by = {d["domain"]: d for d in result["domains"]}
    assert by["income"]["improved"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    assert by["childcare"]["worse"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    assert by["childcare"]["mean_change"] == {"value": -1.0, "denominator": 1}
    # Family Support (keisha): an entry, no review.
    family = measures.ssm_change(period(data, program_id=data.p.family_program.pk))
    assert (family["clients"], family["left_out"], family["domains"]) == (0, 1, [])


# --- goals, intake to plan, client voice -------------------------------------------------------


def test_goal_counts_and_intake_to_plan(data: SimpleNamespace) -> None:
    # Status changes in P: D2 achieved 15 May, R2 set aside 10 Apr, D3 revised 1 Mar.
    # Active and set by 30 Jun: D1, R1, K1 (dana's 1 Aug goal is after P). Total 6.
    # Intake to plan (episodes opened in P): dana 10, rosa 4, keisha 3 days; eli has no plan.
    #   sorted 3, 4, 10 → median 4; mean 17 / 3 = 5.67.
    result = measures.goals(period(data))
    assert {k: result[k] for k in ("achieved", "set_aside", "revised", "active", "total")} == {
        "achieved": 1,
        "set_aside": 1,
        "revised": 1,
        "active": 3,
        "total": 6,
    }
    assert result["achieved_share"] == {"value": 0.1667, "numerator": 1, "denominator": 6}
    assert result["intake_to_plan"] == {
        "median_days": 4.0,
        "mean_days": 5.67,
        "denominator": 3,
        "left_out": 1,
    }
    # Housing Stability only: dana 10 and rosa 4 → median (4 + 10) / 2 = 7, mean 7; eli left out.
    housing = measures.goals(period(data, program_id=data.p.housing_program.pk))
    assert housing["intake_to_plan"] == {
        "median_days": 7.0,
        "mean_days": 7.0,
        "denominator": 2,
        "left_out": 1,
    }
    assert (housing["achieved"], housing["set_aside"], housing["active"]) == (1, 1, 2)


def test_client_voice(data: SimpleNamespace) -> None:
    # Goals set in P: D1 client, D2 together, D3 worker, R1 client, R2 client, K1 worker.
    result = measures.client_voice(period(data))
    assert result == {
        "client_authored": {"value": 0.5, "numerator": 3, "denominator": 6},
        "together": 1,
        "worker": 2,
    }
    family = measures.client_voice(period(data, team_id=data.p.family.pk))
    assert family["client_authored"] == {"value": 0.0, "numerator": 0, "denominator": 1}


# --- referrals ---------------------------------------------------------------------------------


def test_referrals_by_hand(data: SimpleNamespace) -> None:
    # Finished in P (Chicago dates): #1 completed, #2 rejected "No capacity this month",
    # #3 completed, #4 rejected "Not eligible", #6 cancelled, #12 rejected "Program at
    # CAPACITY" → 6 finished, 2 completed (1/3), 3 rejected, 2 for no capacity (1/3).
    # #8 finishes in July; #9 is the merged record's, #10 another agency's, #11 in error.
    # Accepted in P: #1 2 d, #3 0.75 d, #5 3 d, #8 8 d → median (2 + 3) / 2 = 2.5,
    #   mean 13.75 / 4 = 3.44.   Completed in P: #1 10 d, #3 5 d → median 7.5, mean 7.5.
    # Ratings of referrals finished in P: S1 5 (#1) and 2 (#4) → 3.5; S2 3 (#3); S3 1 (#6).
    # Categories: S1 Housing (its local capacity term is not a category); S2 Food and Basic
    # needs; S3 Employment.
    result = measures.referrals(period(data))
    assert result["finished"] == 6
    assert result["completion"] == {"value": 0.3333, "numerator": 2, "denominator": 6}
    assert result["rejected"] == 3
    assert result["rejected_no_capacity"] == {"value": 0.3333, "numerator": 2, "denominator": 6}
    assert result["days_to_accept"] == {"median_days": 2.5, "mean_days": 3.44, "denominator": 4}
    assert result["days_to_complete"] == {"median_days": 7.5, "mean_days": 7.5, "denominator": 2}
    assert result["helpfulness_by_service"] == [
        {
            "service_id": str(data.s1.pk),
            "service": "Eviction prevention",
            "value": 3.5,
            "denominator": 2,
        },
        {"service_id": str(data.s2.pk), "service": "Food pantry", "value": 3.0, "denominator": 1},
        {"service_id": str(data.s3.pk), "service": "Job club", "value": 1.0, "denominator": 1},
    ]
    assert result["helpfulness_by_category"] == [
        {"category": "Housing", "value": 3.5, "denominator": 2},
        {"category": "Basic needs", "value": 3.0, "denominator": 1},
        {"category": "Food", "value": 3.0, "denominator": 1},
        {"category": "Employment", "value": 1.0, "denominator": 1},
    ]
    assert result["ratings"] == 4


def test_referrals_scoped_to_keisha(data: SimpleNamespace) -> None:
    # Keisha: finished #6 (cancelled) and #12 (no capacity); accepted #5 after 3 days.
    result = measures.referrals(period(data, worker_id=data.p.carol.pk))
    assert result["completion"] == {"value": 0.0, "numerator": 0, "denominator": 2}
    assert result["rejected_no_capacity"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert result["days_to_accept"] == {"median_days": 3.0, "mean_days": 3.0, "denominator": 1}
    assert result["days_to_complete"] == {"median_days": None, "mean_days": None, "denominator": 0}
    # The period moves the windows: in June only #6 finished and #8 was accepted (8 days).
    june = measures.referrals(period(data, start=dt.date(2025, 6, 1)))
    assert june["finished"] == 1
    assert june["days_to_accept"] == {"median_days": 8.0, "mean_days": 8.0, "denominator": 1}


# --- strengths ---------------------------------------------------------------------------------


def test_strengths_in_goals_that_moved(data: SimpleNamespace) -> None:
    # Client scores: D1 −1 → 0 (latest in P): moved. D2 −2 → +1, and achieved in P: moved.
    # R1 −1 → −1, R2 one score, K1 worker-only, D3 one score: not moved. 2 goals.
    # D1 carries "Family" and "Art and music" (and a barrier, not a strength); D2 carries
    # "family." and "Persistence". "Family" and "family." fold together: 2 goals.
    result = measures.strengths(period(data))
    assert result["progressed_goals"] == 2
    assert [(s["strength"], s["goals"]) for s in result["top"]] == [
        ("Family", 2),
        ("Art and music", 1),
        ("Persistence", 1),
    ]
    assert [
        (d["domain"], [(s["strength"], s["goals"]) for s in d["strengths"]])
        for d in result["by_domain"]
    ] == [
        ("vocational_education", [("Persistence", 1)]),
        ("social_supports", [("Family", 2)]),
        ("leisure", [("Art and music", 1)]),
    ]
    assert [s["strength"] for s in measures.strengths(period(data), top=1)["top"]] == ["Family"]
    # The same strength recorded twice on one goal still counts that goal once (the words
    # are sealed, so they are grouped in Python, not by SQL).
    art = next(
        f for f in Factor.objects.filter(client=data.dana) if f.description == "Art and music"
    )
    again = _factor(
        data.dana,
        "Art and music",
        valence=Valence.STRENGTH,
        level=Level.MICRO,
        domain="leisure",
        created=art.created_at,
        user=data.p.alice,
    )
    art.goals.get().strengths.add(again)
    assert ("Art and music", 1) in [
        (s["strength"], s["goals"]) for s in measures.strengths(period(data))["top"]
    ]
    # By the worker's scores, no goal moved; D2 still counts as achieved in P.
    worker = measures.strengths(period(data), scored_by="worker")
    assert worker["progressed_goals"] == 1
    assert {s["key"]: s["goals"] for s in worker["top"]} == {"family": 1, "persistence": 1}


# --- advocacy ----------------------------------------------------------------------------------


def test_advocacy_tables(data: SimpleNamespace) -> None:
    result = measures.advocacy(period(data))
    months = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
    # Macro barriers, clients per domain and month: daily living in Feb dana (twice: counted
    # once) and eli, in Apr keisha; financial in Feb rosa, and keisha at 23:00 on 30 Jun in
    # Chicago (04:00 UTC on 1 Jul). Rosa's 05:30 UTC 1 Jan is 31 Dec: outside P.
    macro = result["macro_barriers"]
    assert macro.rows == ("daily_living", "financial")
    assert macro.columns == months
    assert macro.cells == ((0, 2, 0, 1, 0, 0), (0, 1, 0, 0, 0, 1))
    # Rejected for no capacity: #2 to the food pantry (Basic needs, Food) in March, #12 to
    # the parent circle (no category) in May.
    gaps = result["capacity_gaps"]
    assert gaps.rows == ("(no category)", "Basic needs", "Food")
    assert gaps.cells == ((0, 0, 0, 0, 1, 0), (0, 0, 1, 0, 0, 0), (0, 0, 1, 0, 0, 0))
    # Unmet needs: no active service lists health or leisure (the clinic is inactive).
    # Health: dana's bus anxiety (barrier) and rosa's safety screen. Rosa's "no friends
    # nearby" (leisure) is a meso barrier: context — a relationship, not a need of hers — so
    # leisure is not listed. Dana's latest screen (May) is food only — covered; keisha's screen
    # is after P; her health barrier is inactive; rosa's back pain is recorded after P.
    needs = result["unmet_needs"]
    assert needs.rows == ("health",)
    assert needs.columns == ("screening", "barrier")
    assert needs.cells == ((1, 1),)
    assert result["covered_domains"] == [
        "daily_living",
        "financial",
        "social_supports",
        "vocational_education",
    ]
    # Ready for suppression: every count here is under 5.
    shown = suppress(macro)
    assert shown.cells == (
        (0, "<5", 0, "<5", 0, 0),
        (0, "<5", 0, 0, 0, "<5"),
    )
    assert shown.total == 5  # 2 + 1 + 1 + 1: not small, so shown


# --- data quality ------------------------------------------------------------------------------


def test_data_quality(data: SimpleNamespace) -> None:
    # As of 1 Jul 2025. Open episodes: dana, rosa, keisha, eli.
    #   No saved strengths assessment: keisha (started, never saved), eli → 2 of 4.
    #   Overdue reassessment (newer of strengths version and matrix older than the program's
    #   days): keisha's matrix 15 Apr, Family Support 60 days → due 14 Jun: overdue. (With the
    #   default 90 days it would be due 14 Jul.) dana (10 Jun), rosa (20 May) and eli (5 May)
    #   are within Housing's 90 days (cut-off 2 Apr). 1 of the 4 assessed.
    #   Plans with no client-authored goal: keisha's (K1 is the worker's) → 1 of 3.
    #   Waiting referrals: #7 eli 25 Jun + 5 = 30 Jun: stale; #13 rosa 28 Jun + 5 = 3 Jul;
    #   #14 keisha 20 Jun + 14 (Family Support) = 4 Jul → 1 of 3.
    result = measures.data_quality(period(data), today=TODAY)
    assert result["open_clients"] == 4
    missing = result["missing_strengths"]
    assert {k: missing[k] for k in ("count", "numerator", "denominator", "value")} == {
        "count": 2,
        "numerator": 2,
        "denominator": 4,
        "value": 0.5,
    }
    assert set(missing["client_ids"]) == {data.keisha.pk, data.eli.pk}
    overdue = result["overdue_reassessments"]
    assert (overdue["count"], overdue["denominator"]) == (1, 4)
    assert list(overdue["client_ids"]) == [data.keisha.pk]
    plans = result["plans_without_client_goal"]
    assert (plans["count"], plans["denominator"], plans["value"]) == (1, 3, 0.3333)
    assert list(plans["client_ids"]) == [data.keisha.pk]
    stale = result["stale_referrals"]
    assert (stale["count"], stale["denominator"], stale["clients"]) == (1, 3, 1)
    assert list(stale["client_ids"]) == [data.eli.pk]
    # A week later rosa's and keisha's are stale too.
    later = measures.data_quality(period(data), today=dt.date(2025, 7, 8))
    assert later["stale_referrals"]["count"] == 3


# --- all together, and the query count ---------------------------------------------------------


def _add_clients(data: SimpleNamespace, n: int) -> None:
    """n more Housing clients, each with a plan, scored goals, a matrix pair, factors,
    referrals, a screen and a strengths assessment."""
    p = data.p
    template = template_current(agency_id=data.river.pk, kind="strengths")
    for k in range(n):
        c = Client.objects.create(
            agency=data.river,
            team=p.housing,
            primary_worker=p.alice,
            legal_first_name=f"Extra{k}",
            legal_last_name="Client",
        )
        Episode.objects.create(
            agency=data.river, client=c, program=p.housing_program, opened_on=dt.date(2025, 2, 1)
        )
        plan = Plan.objects.create(
            agency=data.river, client=c, episode=c.episodes.get(), created_by=p.alice
        )
        g = _goal(plan, "A goal", author="client", weights=(1, 1), created=at(2025, 2, 2))
        _score(g, dt.date(2025, 2, 3), -1)
        _score(g, dt.date(2025, 4, 3), 1)
        _score(g, dt.date(2025, 4, 3), 0, by="worker")
        g.strengths.add(
            _factor(
                c,
                "Humour",
                valence=Valence.STRENGTH,
                level=Level.MICRO,
                domain="health",
                created=at(2025, 2, 2),
                user=p.alice,
            )
        )
        _factor(
            c,
            "Rent rules",
            valence=Valence.BARRIER,
            level=Level.MACRO,
            domain="financial",
            created=at(2025, 3, 2),
            user=p.alice,
        )
        _matrix(c, "entry", dt.date(2025, 2, 1), {"income": 1}, user=p.alice)
        _matrix(c, "review", dt.date(2025, 5, 1), {"income": 2}, user=p.alice)
        _referral(
            c,
            data.s2,
            "rejected",
            at(2025, 3, 1),
            finished=at(2025, 3, 3),
            reason="no capacity",
            helpful=2,
            user=p.alice,
        )
        _referral(
            c,
            data.s1,
            "completed",
            at(2025, 3, 1),
            accepted=at(2025, 3, 2),
            finished=at(2025, 3, 9),
            helpful=4,
            user=p.alice,
        )
        _referral(c, data.s1, "requested", at(2025, 6, 1), user=p.alice)
        _screen(c, dt.date(2025, 3, 1), {"safety": True}, p.alice)
        sa = StrengthsAssessment.objects.create(agency=data.river, client=c, template=template)
        StrengthsAssessmentVersion.objects.create(
            agency=data.river, assessment=sa, number=1, content={}, saved_by=p.alice
        )


def test_measure_all_uses_a_constant_number_of_queries(data: SimpleNamespace) -> None:
    scope = period(data)
    with CaptureQueriesContext(connection) as small:
        result = measures.measure_all(scope, today=TODAY)
    assert set(result) == {
        "scope",
        "gas",
        "gas_worker",
        "ssm",
        "goals",
        "referrals",
        "client_voice",
        "strengths",
        "advocacy",
        "data_quality",
        "questionnaires",
    }
    assert result["gas"]["mean"]["value"] == 46.46
    assert result["gas_worker"]["mean"]["value"] == 60.0
    _add_clients(data, 6)
    with CaptureQueriesContext(connection) as big:
        bigger = measures.measure_all(scope, today=TODAY)
    assert len(big) == len(small)
    # The extra clients are counted (so the second run did see more rows).
    assert bigger["gas"]["clients"] == 8
    assert bigger["ssm"]["clients"] == 8
    assert bigger["referrals"]["finished"] == 6 + 12
    # And no query per row anywhere: fewer than 5 queries per measure.
    assert len(small) <= 45


def test_scope_rejects_a_backwards_period(data: SimpleNamespace) -> None:
    with pytest.raises(ValueError):
        Scope(agency_id=data.river.pk, start=END, end=START)
