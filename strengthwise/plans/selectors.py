"""Reads for plans. Callers have passed the access gate for the client."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from strengthwise.accounts.access import (
    access_client_object,
    client_approve_q,
    client_scope_q,
    may_approve,
)
from strengthwise.assessments.models import Author, Concern, EcomapNode, Factor, Valence
from strengthwise.audit.services import audit_record
from strengthwise.core.validation import parse_id
from strengthwise.people.models import Client, HouseholdMember

from .gas import t_score
from .models import (
    GasFollowUp,
    Goal,
    GoalPeriod,
    GoalWording,
    Option,
    OptionSet,
    Plan,
    PlanEvent,
    PlanVersion,
    Step,
)


def plan_current(*, client: Client) -> Plan | None:
    """The plan of the client's open episode, else their most recent plan."""
    plans = Plan.objects.filter(client=client).select_related("episode__program")
    return (
        plans.filter(episode__closed_on__isnull=True).order_by("-id").first()
        or plans.order_by("-id").first()
    )


def plans_of(*, client: Client) -> QuerySet[Plan]:
    """Every plan of the client, newest first."""
    return Plan.objects.filter(client=client).order_by("-id")


def active_goals(*, client: Client) -> QuerySet[Goal]:
    """The client's active goals in plan order (to choose one: find help, refer, record)."""
    return Goal.objects.filter(client=client, status=Goal.Status.ACTIVE).order_by("order", "id")


def plan_goals(*, plan: Plan) -> list[Goal]:
    """Goals with steps (the client's own first), follow-ups, strengths and supports."""
    steps = Step.objects.order_by("order", "id")
    goals: list[Goal] = list(
        Goal.objects.filter(plan=plan)
        .select_related("concern")
        .prefetch_related(
            Prefetch("steps", queryset=steps),
            Prefetch("followups", queryset=GasFollowUp.objects.order_by("scored_on", "id")),
            # The client's own rewordings of the goal in the portal, latest first (the plan
            # shows the latest with the words it replaced).
            Prefetch(
                "wordings",
                queryset=GoalWording.objects.filter(
                    by_client=True, field=GoalWording.Field.STATEMENT
                ).order_by("-at", "-id"),
                to_attr="client_wordings",
            ),
            "periods",
            "strengths",
            "supports",
        )
        .order_by("order", "id")
    )
    for goal in goals:
        all_steps = list(goal.steps.all())
        # The client's own steps first (then the worker's, supports', agencies'), each in order.
        ordered = sorted(all_steps, key=lambda s: (s.who != Step.Who.CLIENT, s.order, s.pk))
        goal.ordered_steps = ordered  # type: ignore[attr-defined]
    return goals


def plan_option_sets(*, plan: Plan) -> list[OptionSet]:
    return list(
        OptionSet.objects.filter(plan=plan)
        .select_related("chosen", "goal")
        .prefetch_related(Prefetch("options", queryset=Option.objects.order_by("id")))
    )


def plan_history(*, plan: Plan) -> list[PlanEvent]:
    return list(
        PlanEvent.objects.filter(plan=plan)
        .select_related("by", "plan__client", "document")
        .defer("document__data")
        .order_by("at", "id")
    )


def plan_versions(*, plan: Plan) -> list[PlanVersion]:
    return list(PlanVersion.objects.filter(plan=plan).order_by("number"))


@dataclass(frozen=True)
class Voice:
    client_authored: int
    total: int

    @property
    def share(self) -> float | None:
        return self.client_authored / self.total if self.total else None

    @property
    def flagged(self) -> bool:
        """A plan without a single goal in the client's own words."""
        return self.total > 0 and self.client_authored == 0


def client_voice(goals: list[Goal]) -> Voice:
    """Share of the plan's current goals (not revised away) authored by the client."""
    counted = [g for g in goals if g.status != Goal.Status.REVISED]
    return Voice(sum(1 for g in counted if g.author == Author.CLIENT), len(counted))


def t_score_on(goals: list[Goal], day: dt.date, scored_by: str) -> float | None:
    """The plan's combined GAS T-score on `day` for one scorer — the one rule for a T-score at
    a date (the reports apply it in the database: `outcomes.measures`).

    Counted: exactly the goals that were in the plan on `day` (`GoalPeriod`) with all five
    levels written, each at its latest score by that scorer on or before `day`, else at its
    baseline; a goal with neither is left out. Goals added, revised or set aside later change
    nothing on `day`. None when nothing can be counted.
    """
    scores, weights = [], []
    for goal in goals:
        if not goal.gas_complete or not any(p.covers(day) for p in goal.periods.all()):
            continue
        latest = [
            f.level for f in goal.followups.all() if f.scored_by == scored_by and f.scored_on <= day
        ]
        level = latest[-1] if latest else goal.gas_baseline
        if level is None:
            continue
        scores.append(level)
        weights.append(goal.gas_weight)
    if not scores:
        return None
    # Weighted by importance × difficulty only when every counted goal has both (as the
    # reports do); otherwise every goal weighs the same.
    if any(w is None for w in weights) or not any(w for w in weights):
        return t_score(scores)
    return t_score(scores, [w or 0 for w in weights])


def gas_complete_q() -> Q:
    """`Goal.gas_complete` in the database: all five levels written."""
    q = Q()
    for field in ("gas_minus2", "gas_minus1", "gas_zero", "gas_plus1", "gas_plus2"):
        q &= ~Q(**{field: ""})
    return q


def in_plan_on_q(day: Any) -> Exists:
    """`t_score_on`'s "in the plan on `day`" for a goal queryset (`day` a date or an
    `OuterRef` to a date the outer query computed)."""
    return Exists(
        GoalPeriod.objects.filter(goal=OuterRef("pk"), start__lte=day).filter(
            Q(end__isnull=True) | Q(end__gt=day)
        )
    )


def level_on(day: Any, scored_by: str) -> Coalesce:
    """`t_score_on`'s level for a goal queryset: the latest score by `scored_by` on or before
    `day`, else the baseline (None when it has neither)."""
    latest = (
        GasFollowUp.objects.filter(goal=OuterRef("pk"), scored_by=scored_by, scored_on__lte=day)
        .order_by("-scored_on", "-id")
        .values("level")[:1]
    )
    return Coalesce(Subquery(latest), F("gas_baseline"))


def t_score_series(goals: list[Goal], scored_by: str) -> list[tuple[dt.date, float]]:
    """The plan's T-score (`t_score_on`) at each date one of its goals was scored by
    `scored_by`. Goals need `followups` and `periods` prefetched (`plan_goals` does)."""
    dates = sorted(
        {f.scored_on for g in goals for f in g.followups.all() if f.scored_by == scored_by}
    )
    series = []
    for day in dates:
        t = t_score_on(goals, day, scored_by)
        if t is not None:
            series.append((day, t))
    return series


def plan_review_open(*, visible_to: Any, plan: Plan) -> bool:
    """Whether the plan page offers `visible_to` the approve/return form: the plan waits for
    approval and they supervise the client's team (the rule `services.plan_review` applies)."""
    return plan.status == Plan.Status.AWAITING_APPROVAL and may_approve(visible_to, plan.client)


def plans_awaiting_approval(*, visible_to: Any) -> QuerySet[Plan]:
    """Plans waiting for this supervisor, in the teams they may see."""
    return (
        Plan.objects.filter(
            client_scope_q(visible_to, "client__"),
            client_approve_q(visible_to, "client__"),
            status=Plan.Status.AWAITING_APPROVAL,
        )
        .select_related("client", "episode__program", "created_by")
        .order_by("updated_at")
    )


# --- one object of a client, through the access gate ----------------------------------------


def goal_of(
    *,
    visible_to: Any,
    goal_id: Any,
    client: Client | None = None,
    write: bool = False,
    request: Any = None,
) -> Goal:
    """A goal through the access gate; with `client`, only one of that client's (else 404)."""
    goal: Goal = access_client_object(
        visible_to, Goal, goal_id, client=client, write=write, request=request
    )
    return goal


def goal_for_reading(*, visible_to: Any, goal_id: Any, request: Any = None) -> Goal:
    """`goal_of` for a response that shows the goal, with its steps, follow-ups and links;
    the read is audited as "goal.viewed" with the goal as its target."""
    goal = goal_of(visible_to=visible_to, goal_id=goal_id, request=request)
    audit_record(actor=visible_to, action="goal.viewed", target=goal, request=request)
    return with_goal_relations(goal)


def with_goal_relations(goal: Goal) -> Goal:
    """The goal with what the API shows of it: steps, follow-ups, strengths and supports."""
    prefetch_related_objects(
        [goal],
        Prefetch("steps", queryset=Step.objects.order_by("order", "id")),
        Prefetch("followups", queryset=GasFollowUp.objects.order_by("scored_on", "id")),
        "strengths",
        "supports",
    )
    return goal


def goal_detail(*, goal_id: int) -> Goal:
    """A goal the caller already reached through the gate, read afresh with its relations."""
    return with_goal_relations(Goal.objects.get(pk=goal_id))


def step_of(
    *,
    visible_to: Any,
    step_id: Any,
    client: Client | None = None,
    write: bool = False,
    request: Any = None,
) -> Step:
    """A step through the access gate; with `client`, only one of that client's (else 404)."""
    step: Step = access_client_object(
        visible_to,
        Step,
        step_id,
        client_path="goal__client",
        client=client,
        write=write,
        request=request,
    )
    return step


def option_set_of(
    *,
    visible_to: Any,
    set_id: Any,
    client: Client | None = None,
    write: bool = False,
    request: Any = None,
) -> OptionSet:
    """A decision (option set) through the access gate; with `client`, only one of that
    client's (else 404)."""
    option_set: OptionSet = access_client_object(
        visible_to,
        OptionSet,
        set_id,
        client_path="plan__client",
        client=client,
        write=write,
        request=request,
    )
    return option_set


def option_in(*, option_set: OptionSet, option_id: Any) -> Option | None:
    """One option of this decision by the id a user sent; None for anything else."""
    pk = parse_id(option_id)
    return Option.objects.filter(option_set=option_set, pk=pk).first() if pk else None


# --- what the goal form offers ----------------------------------------------------------------


def goal_strength_choices(*, client: Client) -> QuerySet[Factor]:
    """The strengths a goal may lean on: the client's active strengths (not set aside)."""
    return Factor.objects.filter(client=client, active=True, valence=Valence.STRENGTH).order_by(
        "id"
    )


def goal_support_choices(*, client: Client) -> QuerySet[EcomapNode]:
    """The people and places a goal may lean on: the client's ecomap, less stressful ties."""
    return EcomapNode.objects.filter(client=client).exclude(quality="stressful").order_by("id")


def goal_concern_choices(*, client: Client) -> QuerySet[Concern]:
    """What the client is weighing a change in (motivation), to link a goal to."""
    return Concern.objects.filter(client=client).order_by("id")


def goal_form_choices(*, client: Client) -> dict[str, list[tuple[str, str]]]:
    """The goal form's strengths, supports and concerns as (id, words)."""
    return {
        "strengths": [(str(f.pk), f.description) for f in goal_strength_choices(client=client)],
        "supports": [(str(n.pk), n.label) for n in goal_support_choices(client=client)],
        "concerns": [(str(c.pk), c.label) for c in goal_concern_choices(client=client)],
    }


def goal_links(*, goal: Goal) -> dict[str, Any]:
    """A goal's linked strengths, supports and concern as form values."""
    return {
        "strengths": [str(pk) for pk in goal.strengths.values_list("pk", flat=True)],
        "supports": [str(pk) for pk in goal.supports.values_list("pk", flat=True)],
        "concern": str(goal.concern_id or ""),
    }


# --- the take-home plan ---------------------------------------------------------------------


def take_home_sources(
    *, visible_to: Any, client: Client, plan: Plan, fmt: str, request: Any = None
) -> dict[str, Any]:
    """What the take-home plan is made of: the active goals, the client's active strengths and
    up to two people outside the home. Audited as "plan.take_home_exported" (with its format
    and language): the plan leaves the agency on paper."""
    audit_record(
        actor=visible_to,
        action="plan.take_home_exported",
        target=client,
        request=request,
        changes={"format": [None, fmt], "language": [None, client.preferred_language]},
    )
    return {
        "goals": [g for g in plan_goals(plan=plan) if g.status == Goal.Status.ACTIVE],
        "strengths": list(goal_strength_choices(client=client)),
        "outside": list(HouseholdMember.objects.filter(client=client, lives_with_client=False)[:2]),
    }
