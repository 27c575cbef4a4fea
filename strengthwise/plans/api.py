"""/api/v1/clients/{id}/plans and /api/v1/goals/{id}: same services, access and audit as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.errors import DomainError
from strengthwise.core.schemas import ConflictOut, ErrorOut, InSchema, Protected, WhoseWords

from . import selectors, services
from .models import Goal, Plan, Step

router = Router(tags=["plans"])

Author = WhoseWords
CATEGORIES_HELP = (
    "Protected information the goal holds (shared only under a consent naming it). Omit to "
    "let the words suggest it; a list is the worker's confirmation."
)


class GoalIn(InSchema):
    statement: str = Field(max_length=500)
    author: Author = "client"
    verbatim: bool = True
    worker_view: str = Field(default="", max_length=500)
    why_it_matters: str = Field(default="", max_length=1000)
    why_it_matters_author: Author = "client"
    why_it_matters_verbatim: bool = False
    domain: str = Field(max_length=40)
    stage: str = Field(default="", max_length=20)
    importance: int | None = Field(default=None, ge=0, le=10)
    confidence: int | None = Field(default=None, ge=0, le=10)
    gas_minus2: str = Field(default="", max_length=300)
    gas_minus1: str = Field(default="", max_length=300)
    gas_zero: str = Field(default="", max_length=300)
    gas_plus1: str = Field(default="", max_length=300)
    gas_plus2: str = Field(default="", max_length=300)
    gas_importance: int | None = Field(default=None, ge=0, le=3)
    gas_difficulty: int | None = Field(default=None, ge=0, le=3)
    gas_baseline: int | None = Field(default=None, ge=-2, le=2)
    strength_ids: list[int] = Field(
        default_factory=list, description="The client's active strengths the goal leans on."
    )
    support_ids: list[int] = Field(
        default_factory=list,
        description="People and places from the client's ecomap (not stressful ties).",
    )
    concern_id: int | None = Field(
        default=None, description="What the client is weighing a change in (motivation)."
    )
    categories: list[Protected] | None = Field(default=None, description=CATEGORIES_HELP)


class GoalCreateIn(GoalIn):
    client_id: int


class GoalPatch(InSchema):
    version: int
    statement: str | None = Field(default=None, max_length=500)
    author: Author | None = None
    verbatim: bool | None = None
    worker_view: str | None = Field(default=None, max_length=500)
    why_it_matters: str | None = Field(default=None, max_length=1000)
    why_it_matters_author: Author | None = None
    why_it_matters_verbatim: bool | None = None
    domain: str | None = Field(default=None, max_length=40)
    stage: str | None = Field(default=None, max_length=20)
    importance: int | None = Field(default=None, ge=0, le=10)
    confidence: int | None = Field(default=None, ge=0, le=10)
    status: Literal["active", "achieved", "set_aside", "revised"] | None = None
    gas_minus2: str | None = Field(default=None, max_length=300)
    gas_minus1: str | None = Field(default=None, max_length=300)
    gas_zero: str | None = Field(default=None, max_length=300)
    gas_plus1: str | None = Field(default=None, max_length=300)
    gas_plus2: str | None = Field(default=None, max_length=300)
    gas_importance: int | None = Field(default=None, ge=0, le=3)
    gas_difficulty: int | None = Field(default=None, ge=0, le=3)
    gas_baseline: int | None = Field(default=None, ge=-2, le=2)
    strength_ids: list[int] | None = Field(
        default=None, description="Replaces the goal's strengths (omit to keep them)."
    )
    support_ids: list[int] | None = Field(
        default=None, description="Replaces the goal's supports (omit to keep them)."
    )
    concern_id: int | None = Field(
        default=None, description="Links a concern; null unlinks it; omit to keep it."
    )
    categories: list[Protected] | None = Field(default=None, description=CATEGORIES_HELP)


LINKS = ("strength_ids", "support_ids", "concern_id")


class FollowUpIn(InSchema):
    level: int = Field(ge=-2, le=2)
    scored_by: Literal["client", "worker"]
    scored_on: dt.date | None = None
    note: str = Field(default="", max_length=300)


class StepIn(InSchema):
    text: str = Field(max_length=300)
    who: Literal["client", "worker", "support", "agency"] = "client"
    who_name: str = Field(default="", max_length=120, description="The support or agency, by name.")
    target_date: dt.date | None = None


class StepOut(Schema):
    id: int
    goal_id: int
    text: str
    who: str
    who_name: str
    target_date: dt.date | None
    done_on: dt.date | None


class FollowUpOut(Schema):
    scored_on: dt.date
    level: int
    scored_by: str
    note: str


class GoalOut(Schema):
    id: int
    plan_id: int | None
    version: int
    statement: str
    author: str
    verbatim: bool
    worker_view: str
    why_it_matters: str
    why_it_matters_author: str
    why_it_matters_verbatim: bool
    concern_id: int | None
    domain: str
    stage: str
    importance: int | None
    confidence: int | None
    status: str
    gas_minus2: str
    gas_minus1: str
    gas_zero: str
    gas_plus1: str
    gas_plus2: str
    gas_importance: int | None
    gas_difficulty: int | None
    gas_baseline: int | None
    categories: list[str]
    categories_confirmed: bool
    strength_ids: list[int]
    support_ids: list[int]
    steps: list[StepOut]
    followups: list[FollowUpOut]


class VoiceOut(Schema):
    client_authored: int
    total: int
    share: float | None


class TScoreOut(Schema):
    date: dt.date
    t: float


class OptionOut(Schema):
    id: int
    text: str
    author: str
    pros: str
    pros_author: str
    pros_verbatim: bool
    cons: str
    cons_author: str
    cons_verbatim: bool


class OptionSetOut(Schema):
    id: int
    problem: str
    author: str
    chosen_id: int | None
    options: list[OptionOut]


class PlanEventOut(Schema):
    kind: str
    number: int | None
    at: dt.datetime
    by: str = Field(description="The staff member's username, or `client` (in the portal).")
    signed_name: str
    signature_method: str
    witness_name: str
    agreement: str
    has_signed_form: bool
    comment: str


class PlanOut(Schema):
    id: int
    episode_id: int | None
    status: str
    number: int
    client_voice: VoiceOut
    t_scores: dict[str, list[TScoreOut]] = Field(description="`client` and `worker` series.")
    goals: list[GoalOut]
    option_sets: list[OptionSetOut]
    history: list[PlanEventOut]


class StepDoneIn(InSchema):
    done: bool = True
    done_on: dt.date | None = Field(default=None, description="Default: today.")


class OptionIn(InSchema):
    text: str = Field(min_length=1, max_length=300)
    author: WhoseWords = "client"
    pros: str = Field(default="", max_length=1000)
    pros_author: WhoseWords = "client"
    pros_verbatim: bool = False
    cons: str = Field(default="", max_length=1000)
    cons_author: WhoseWords = "client"
    cons_verbatim: bool = False


class OptionSetIn(InSchema):
    problem: str = Field(min_length=1, max_length=300, description="What they are deciding.")
    author: WhoseWords = "client"
    options: list[OptionIn] = Field(min_length=1, max_length=10)


class ChoiceIn(InSchema):
    option_id: int


class MakeGoalIn(InSchema):
    domain: str = Field(max_length=40, description="One of the agency's life domains.")


class ReviewIn(InSchema):
    approve: bool
    comment: str = Field(default="", max_length=2000, description="Required to return it.")


def _goal(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.pk,
        "plan_id": goal.plan_id,
        "version": goal.version,
        **{f: getattr(goal, f) for f in services.GOAL_FIELDS if f != "concern"},
        "concern_id": goal.concern_id,
        "categories": goal.categories,
        "categories_confirmed": goal.categories_confirmed,
        "strength_ids": sorted(f.pk for f in goal.strengths.all()),
        "support_ids": sorted(n.pk for n in goal.supports.all()),
        "steps": [
            {
                "id": s.pk,
                "goal_id": s.goal_id,
                "text": s.text,
                "who": s.who,
                "who_name": s.who_name,
                "target_date": s.target_date,
                "done_on": s.done_on,
            }
            for s in getattr(goal, "ordered_steps", goal.steps.all())
        ],
        "followups": [
            {"scored_on": f.scored_on, "level": f.level, "scored_by": f.scored_by, "note": f.note}
            for f in goal.followups.all()
        ],
    }


def _plan(plan: Plan) -> dict[str, Any]:
    goals = selectors.plan_goals(plan=plan)
    voice = selectors.client_voice(goals)
    return {
        "id": plan.pk,
        "episode_id": plan.episode_id,
        "status": plan.status,
        "number": plan.number,
        "client_voice": {
            "client_authored": voice.client_authored,
            "total": voice.total,
            "share": voice.share,
        },
        "t_scores": {
            who: [{"date": d, "t": round(t, 2)} for d, t in selectors.t_score_series(goals, who)]
            for who in ("client", "worker")
        },
        "goals": [_goal(g) for g in goals],
        "option_sets": [
            {
                "id": o.pk,
                "problem": o.problem,
                "author": o.author,
                "chosen_id": o.chosen_id,
                "options": [
                    {"id": op.pk, **{f: getattr(op, f) for f in services.OPTION_FIELDS}}
                    for op in o.options.all()
                ],
            }
            for o in selectors.plan_option_sets(plan=plan)
        ],
        "history": [
            {
                "kind": e.kind,
                "number": e.number,
                "at": e.at,
                "by": e.by.username if e.by else "client",
                "signed_name": e.signed_name,
                "signature_method": e.signature_method,
                "witness_name": e.witness_name,
                "agreement": e.agreement,
                "has_signed_form": e.has_document,
                "comment": e.comment,
            }
            for e in selectors.plan_history(plan=plan)
        ],
    }


@router.get(
    "/clients/{client_id}/plans",
    response=list[PlanOut],
    summary="A client's plans with goals, steps, GAS and history",
)
def plan_list(request: StaffRequest, client_id: str) -> list[dict[str, Any]]:
    client = access_client(request.user, client_id, request=request, read="plan.viewed")
    return [_plan(p) for p in selectors.plans_of(client=client)]


@router.post(
    "/clients/{client_id}/plans",
    response={201: PlanOut, 400: ErrorOut},
    summary="Start the plan of the client's open episode",
)
def plan_create(request: StaffRequest, client_id: str) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    plan = services.plan_start(acting_user=request.user, client=client)
    return Status(201, _plan(plan))


class AgreementIn(InSchema):
    method: Literal["typed", "verbal"] = Field(
        description=(
            "typed = the client typed their own name on the worker's device (signed_name); "
            "verbal = agreed aloud before a witness (witness_name). A signed paper form is "
            "uploaded on the plan page; 'portal' is reserved for the client portal."
        )
    )
    signed_name: str = Field(default="", max_length=200)
    witness_name: str = Field(default="", max_length=200)


@router.post(
    "/clients/{client_id}/plan/agreement",
    response={201: PlanOut, 400: ErrorOut},
    summary="Record the client's agreement to the current plan version, and how it was given",
)
def plan_agree(request: StaffRequest, client_id: str, payload: AgreementIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    plan = selectors.plan_current(client=client)
    if plan is None:
        raise DomainError("Start the plan first (POST /api/v1/clients/{id}/plans).")
    plan = services.plan_client_agree(acting_user=request.user, plan=plan, **payload.dict())
    return Status(201, _plan(plan))


def _goal_or_404(request: StaffRequest, goal_id: str) -> Goal:
    return selectors.goal_of(visible_to=request.user, goal_id=goal_id, write=True, request=request)


@router.get("/goals/{goal_id}", response=GoalOut, summary="One goal")
def goal_get(request: StaffRequest, goal_id: str) -> dict[str, Any]:
    goal = selectors.goal_for_reading(visible_to=request.user, goal_id=goal_id, request=request)
    return _goal(goal)


@router.post(
    "/goals",
    response={201: GoalOut, 400: ErrorOut},
    summary="Add a goal to the client's current plan",
)
def goal_create(request: StaffRequest, payload: GoalCreateIn) -> Any:
    client = access_client(request.user, payload.client_id, write=True, request=request)
    plan = selectors.plan_current(client=client)
    if plan is None:
        raise DomainError("Start the plan first (POST /api/v1/clients/{id}/plans).")
    fields = payload.dict(exclude={"client_id"})
    links = {k: fields.pop(k) for k in LINKS}
    goal = services.goal_add(acting_user=request.user, plan=plan, fields=fields, **links)
    return Status(201, _goal(selectors.goal_detail(goal_id=goal.pk)))


@router.patch(
    "/goals/{goal_id}",
    response={200: GoalOut, 400: ErrorOut, 409: ConflictOut},
    summary="Change a goal (send the version you read; 409 shows both texts)",
)
def goal_patch(request: StaffRequest, goal_id: str, payload: GoalPatch) -> Any:
    goal = _goal_or_404(request, goal_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    links = {k: data.pop(k) for k in LINKS if k in data}
    data = {
        k: v
        for k, v in data.items()
        if v is not None
        or k in ("importance", "confidence", "gas_importance", "gas_difficulty", "gas_baseline")
    }
    goal = services.goal_update(
        acting_user=request.user, goal=goal, version=version, fields=data, **links
    )
    return Status(200, _goal(selectors.goal_detail(goal_id=goal.pk)))


@router.post(
    "/goals/{goal_id}/followups",
    response={201: GoalOut, 400: ErrorOut},
    summary="A dated GAS follow-up score by the client or the worker",
)
def followup_create(request: StaffRequest, goal_id: str, payload: FollowUpIn) -> Any:
    goal = _goal_or_404(request, goal_id)
    if goal.plan_id is None:  # pragma: no cover - every goal has a plan
        raise Http404("Not found")
    services.gas_followup_add(acting_user=request.user, goal=goal, **payload.dict())
    return Status(201, _goal(selectors.goal_detail(goal_id=goal.pk)))


def _step(step: Step) -> StepOut:
    return StepOut(
        id=step.pk,
        goal_id=step.goal_id,
        text=step.text,
        who=step.who,
        who_name=step.who_name,
        target_date=step.target_date,
        done_on=step.done_on,
    )


@router.post(
    "/goals/{goal_id}/steps",
    response={201: StepOut, 400: ErrorOut},
    summary="Add a step to a goal: what, who does it, by when",
)
def step_create(request: StaffRequest, goal_id: str, payload: StepIn) -> Any:
    goal = _goal_or_404(request, goal_id)
    step = services.step_add(acting_user=request.user, goal=goal, fields=payload.dict())
    return Status(201, _step(step))


@router.post(
    "/steps/{step_id}/done",
    response={200: StepOut, 400: ErrorOut},
    summary="Mark a step done (on a day, default today), or not done after all",
)
def step_done(request: StaffRequest, step_id: str, payload: StepDoneIn) -> Any:
    step = selectors.step_of(visible_to=request.user, step_id=step_id, write=True, request=request)
    done_on = (payload.done_on or timezone.localdate()) if payload.done else None
    step = services.step_mark_done(
        acting_user=request.user, step=step, done_on=done_on, request=request
    )
    return Status(200, _step(step))


def _current_plan(request: StaffRequest, client_id: str) -> Plan:
    client = access_client(request.user, client_id, write=True, request=request)
    plan = selectors.plan_current(client=client)
    if plan is None:
        raise DomainError("Start the plan first (POST /api/v1/clients/{id}/plans).")
    return plan


@router.post(
    "/clients/{client_id}/plan/worker-signature",
    response={200: PlanOut, 400: ErrorOut},
    summary="The worker signs the current plan version (then it goes for approval if needed)",
)
def plan_worker_sign(request: StaffRequest, client_id: str) -> Any:
    plan = services.plan_worker_sign(
        acting_user=request.user, plan=_current_plan(request, client_id)
    )
    return Status(200, _plan(plan))


@router.post(
    "/clients/{client_id}/plan/review",
    response={200: PlanOut, 400: ErrorOut},
    summary="A supervisor of the client's team approves the plan or returns it with a comment",
)
def plan_review(request: StaffRequest, client_id: str, payload: ReviewIn) -> Any:
    plan = services.plan_review(
        acting_user=request.user,
        plan=_current_plan(request, client_id),
        approve=payload.approve,
        comment=payload.comment,
    )
    return Status(200, _plan(plan))


# --- weighing options with the client -------------------------------------------------------


def _option_set(option_set: Any) -> OptionSetOut:
    return OptionSetOut(
        id=option_set.pk,
        problem=option_set.problem,
        author=option_set.author,
        chosen_id=option_set.chosen_id,
        options=[
            OptionOut(id=o.pk, **{f: getattr(o, f) for f in services.OPTION_FIELDS})
            for o in option_set.options.all()
        ],
    )


def _set_or_404(request: StaffRequest, set_id: str) -> Any:
    return selectors.option_set_of(
        visible_to=request.user, set_id=set_id, write=True, request=request
    )


@router.post(
    "/clients/{client_id}/plan/option-sets",
    response={201: OptionSetOut, 400: ErrorOut},
    summary="A decision the client is weighing: the options, each with its pros and cons",
)
def option_set_create(request: StaffRequest, client_id: str, payload: OptionSetIn) -> Any:
    plan = _current_plan(request, client_id)
    option_set = services.option_set_add(
        acting_user=request.user,
        plan=plan,
        problem=payload.problem,
        author=payload.author,
        options=[o.dict() for o in payload.options],
    )
    return Status(201, _option_set(option_set))


@router.post(
    "/option-sets/{set_id}/choice",
    response={200: OptionSetOut, 400: ErrorOut},
    summary="The option the client chose",
)
def option_set_choose(request: StaffRequest, set_id: str, payload: ChoiceIn) -> Any:
    option_set = _set_or_404(request, set_id)
    option = selectors.option_in(option_set=option_set, option_id=payload.option_id)
    if option is None:
        raise Http404("Not found")
    services.option_choose(acting_user=request.user, option_set=option_set, option=option)
    return Status(200, _option_set(_set_or_404(request, set_id)))


@router.post(
    "/option-sets/{set_id}/goal",
    response={201: GoalOut, 400: ErrorOut},
    summary="Make the chosen option a goal, in the client's words",
)
def option_set_make_goal(request: StaffRequest, set_id: str, payload: MakeGoalIn) -> Any:
    option_set = _set_or_404(request, set_id)
    goal = services.option_make_goal(
        acting_user=request.user, option_set=option_set, domain=payload.domain
    )
    return Status(201, _goal(selectors.goal_detail(goal_id=goal.pk)))
