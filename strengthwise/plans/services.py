"""Writes for plans. Every write is one transaction with its audit event; a change after
sign-off starts a new plan version; goals carry an optimistic-lock version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.access import may_approve
from strengthwise.accounts.models import Role, User
from strengthwise.assessments.models import Author, Concern, EcomapNode, Factor, Valence
from strengthwise.assessments.services import life_domains
from strengthwise.audit.services import audit_record, changed_fields, plain
from strengthwise.core import sensitivity
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.fields import sealed_fields
from strengthwise.core.validation import not_in_future, parse_id, refuse_nul, validated
from strengthwise.people.models import Client, Episode

from .models import (
    IN_PLAN,
    STAFF_SIGNATURE_METHODS,
    GasFollowUp,
    Goal,
    GoalPeriod,
    GoalWording,
    Option,
    OptionSet,
    Plan,
    PlanEvent,
    PlanEventDocument,
    PlanVersion,
    SignatureMethod,
    Step,
)
from .signatures import checked_upload

GOAL_FIELDS = (
    "statement",
    "author",
    "verbatim",
    "worker_view",
    "why_it_matters",
    "why_it_matters_author",
    "why_it_matters_verbatim",
    "concern",
    "domain",
    "stage",
    "importance",
    "confidence",
    "status",
    "gas_minus2",
    "gas_minus1",
    "gas_zero",
    "gas_plus1",
    "gas_plus2",
    "gas_importance",
    "gas_difficulty",
    "gas_baseline",
)
# What a goal's audit events compare: its fields and its protected categories. The goal's
# words are sealed at rest and the audit trail is not: it says they changed, never what they
# say (the earlier words are kept sealed in GoalWording and PlanVersion).
GOAL_AUDITED = (*GOAL_FIELDS, "categories", "categories_confirmed")
GOAL_SEALED = tuple(f.name for f in sealed_fields(Goal))
STEP_FIELDS = ("text", "who", "who_name", "target_date", "done_on")
# Pros and cons are the client's words or the worker's: each records whose, and if exact.
OPTION_FIELDS = (
    "text",
    "author",
    "pros",
    "pros_author",
    "pros_verbatim",
    "cons",
    "cons_author",
    "cons_verbatim",
)


# --- the plan -------------------------------------------------------------------------------


def plan_start(*, acting_user: User, client: Client, episode: Episode | None = None) -> Plan:
    """Open the plan of the client's current episode (one plan per episode)."""
    episode = (
        episode or client.episodes.filter(closed_on__isnull=True).order_by("-opened_on").first()
    )
    if episode is None or episode.client_id != client.pk:
        raise DomainError(_("Open an episode of care before starting a plan."))
    if Plan.objects.filter(episode=episode).exists():
        raise DomainError(_("This episode already has a plan."))
    with transaction.atomic():
        plan = Plan.objects.create(
            agency_id=client.agency_id, client=client, episode=episode, created_by=acting_user
        )
        audit_record(
            actor=acting_user,
            action="plan.started",
            target=plan,
            changes={"episode": [None, episode.pk]},
        )
    return plan


def snapshot(plan: Plan) -> dict[str, Any]:
    """The plan's content as agreed: goals (client's words), GAS levels and steps."""
    goals = Goal.objects.filter(plan=plan).prefetch_related("steps").order_by("order", "id")
    return snapshot_of(plan.number, [(g, list(g.steps.all())) for g in goals])


def snapshot_of(number: int, goals: Iterable[tuple[Goal, Iterable[Step]]]) -> dict[str, Any]:
    """A version's content from goals and their steps already in hand (also used by
    `strengthwise seed`, which writes plans in bulk)."""
    return {
        "number": number,
        "goals": [
            {
                "id": g.pk,
                "statement": g.statement,
                "author": g.author,
                "verbatim": g.verbatim,
                "worker_view": g.worker_view,
                "why_it_matters": g.why_it_matters,
                "why_it_matters_author": g.why_it_matters_author,
                "why_it_matters_verbatim": g.why_it_matters_verbatim,
                "status": g.status,
                "domain": g.domain,
                "gas": {str(level): text for level, text in g.gas_levels},
                "steps": [
                    {
                        "text": s.text,
                        "who": s.who,
                        "who_name": s.who_name,
                        "target_date": plain(s.target_date),
                        "done_on": plain(s.done_on),
                    }
                    for s in steps
                ],
            }
            for g, steps in goals
        ],
    }


def _reopen_if_signed(
    plan: Plan, acting_user: User | None, *, actor_label: str = "", request: Any = None
) -> None:
    """A change to a plan the client has agreed to starts a new version (the agreed one is
    kept as a PlanVersion); the client agrees again to the new version."""
    locked = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
    if locked.status != Plan.Status.DRAFT:  # signed, waiting, active or returned
        locked.number += 1
        locked.status = Plan.Status.DRAFT
        locked.version += 1
        locked.save(update_fields=["number", "status", "version", "updated_at"])
        PlanEvent.objects.create(
            agency_id=plan.agency_id,
            plan=plan,
            number=locked.number,
            kind=PlanEvent.Kind.REOPENED,
            by=acting_user,
        )
        audit_record(
            actor=acting_user,
            actor_label=actor_label,
            action="plan.reopened",
            target=locked,
            changes={"number": [locked.number - 1, locked.number]},
            request=request,
        )
    plan.number, plan.status, plan.version = locked.number, locked.status, locked.version


# --- goals ----------------------------------------------------------------------------------


def _goal_values(client: Client, fields: Mapping[str, Any]) -> dict[str, Any]:
    refuse_nul(fields)
    values = {k: fields[k] for k in GOAL_FIELDS if k in fields}
    if "statement" in values:
        values["statement"] = " ".join(str(values["statement"]).split())
    if "domain" in values and values["domain"] not in life_domains(client.agency_id):
        raise ValidationFailed(
            _("Choose a life domain."), field_errors={"domain": [_("Choose a life domain.")]}
        )
    if values.get("concern") is not None and values["concern"].client_id != client.pk:
        raise ValidationFailed(_("That motivation belongs to someone else."))
    return values


def _goal_texts(goal: Goal) -> list[str]:
    """The words of a goal that the protected categories are suggested from."""
    return [goal.statement, goal.why_it_matters, goal.worker_view]


def _links(
    client: Client, strengths: Iterable[Factor] | None, supports: Iterable[EcomapNode] | None
) -> tuple[list[Factor] | None, list[EcomapNode] | None]:
    s = list(strengths) if strengths is not None else None
    p = list(supports) if supports is not None else None
    if any(f.client_id != client.pk for f in s or []) or any(
        n.client_id != client.pk for n in p or []
    ):
        raise ValidationFailed(_("Strengths and supports must be this client's own."))
    return s, p


class _Unchanged:
    """The default of `goal_update`'s `concern_id`: leave the link as it is."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


def _ids(values: Iterable[Any], field: str, message: str) -> list[int]:
    ids = [parse_id(v) for v in values]
    if any(pk is None for pk in ids):
        raise ValidationFailed(
            _("Please correct the errors below."), field_errors={field: [message]}
        )
    return sorted({pk for pk in ids if pk is not None})


def _resolve_links(
    client: Client,
    strength_ids: Iterable[Any] | None,
    support_ids: Iterable[Any] | None,
) -> tuple[list[Factor] | None, list[EcomapNode] | None]:
    """The strengths and supports a user chose by id, looked up among this client's own:
    active strengths, ecomap ties that are not stressful (what the goal form offers). An
    unknown id is refused on its field, so the page and the API answer alike."""
    strengths = supports = None
    if strength_ids is not None:
        message = _("Choose among this person's strengths.")
        ids = _ids(strength_ids, "strengths", message)
        strengths = list(
            Factor.objects.filter(
                client=client, active=True, valence=Valence.STRENGTH, pk__in=ids
            ).order_by("id")
        )
        if len(strengths) != len(ids):
            raise ValidationFailed(
                _("Please correct the errors below."), field_errors={"strengths": [message]}
            )
    if support_ids is not None:
        message = _("Choose among the people and places around this person.")
        ids = _ids(support_ids, "supports", message)
        supports = list(
            EcomapNode.objects.filter(client=client, pk__in=ids)
            .exclude(quality="stressful")
            .order_by("id")
        )
        if len(supports) != len(ids):
            raise ValidationFailed(
                _("Please correct the errors below."), field_errors={"supports": [message]}
            )
    return strengths, supports


def _resolve_concern(client: Client, concern_id: Any) -> Concern | None:
    """The concern (motivation) a user chose by id among this client's own; empty is none."""
    if concern_id in (None, ""):
        return None
    pk = parse_id(concern_id)
    concern = Concern.objects.filter(client=client, pk=pk).first() if pk else None
    if concern is None:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"concern": [_("Choose one of this person's concerns.")]},
        )
    return concern


def _track_period(goal: Goal, was: str | None, now: str) -> None:
    """Keep the goal's days in the plan in step with its status (`GoalPeriod`): entering the
    plan opens a period today, leaving it (set aside, revised) closes the open one today."""
    today = timezone.localdate()
    if now in IN_PLAN and (was is None or was not in IN_PLAN):
        GoalPeriod.objects.create(agency_id=goal.agency_id, goal=goal, start=today)
    elif was in IN_PLAN and now not in IN_PLAN:
        GoalPeriod.objects.filter(goal=goal, end__isnull=True).update(end=today)


def goal_add(
    *,
    acting_user: User,
    plan: Plan,
    fields: Mapping[str, Any],
    strengths: Iterable[Factor] | None = None,
    supports: Iterable[EcomapNode] | None = None,
    strength_ids: Iterable[Any] | None = None,
    support_ids: Iterable[Any] | None = None,
    concern_id: Any = None,
) -> Goal:
    """Add a goal in the client's words. Who wrote it is recorded from what the worker marks.

    The page and the API link strengths, supports and a concern by id (`strength_ids`,
    `support_ids`, `concern_id`): each is looked up among the client's own and an unknown one
    is refused on its field. Callers holding the objects may pass `strengths`/`supports`
    (and `fields["concern"]`) instead."""
    client = plan.client
    if concern_id is not None:
        fields = {**fields, "concern": _resolve_concern(client, concern_id)}
    values = _goal_values(client, fields)
    s, p = _links(client, strengths, supports)
    by_id = _resolve_links(client, strength_ids, support_ids)
    s = by_id[0] if by_id[0] is not None else s
    p = by_id[1] if by_id[1] is not None else p
    goal = Goal(
        agency_id=plan.agency_id,
        client=client,
        plan=plan,
        recorded_by=acting_user,
        order=Goal.objects.filter(plan=plan).count() + 1,
        **values,
    )
    sensitivity.categorise(goal, _goal_texts(goal), chosen=fields.get("categories") or None)
    validated(goal, exclude=["client", "agency", "plan", "recorded_by", "concern"])
    with transaction.atomic():
        _reopen_if_signed(plan, acting_user)
        goal.save()
        _track_period(goal, None, goal.status)
        if s:
            goal.strengths.set(s)
        if p:
            goal.supports.set(p)
        audit_record(
            actor=acting_user,
            action="goal.added",
            target=goal,
            changes=changed_fields(
                {}, {k: plain(getattr(goal, k)) for k in GOAL_AUDITED}, hidden=GOAL_SEALED
            ),
        )
    return goal


def goal_update(
    *,
    acting_user: User | None,
    goal: Goal,
    version: int,
    fields: Mapping[str, Any],
    strengths: Iterable[Factor] | None = None,
    supports: Iterable[EcomapNode] | None = None,
    strength_ids: Iterable[Any] | None = None,
    support_ids: Iterable[Any] | None = None,
    concern_id: Any = UNCHANGED,
    actor_label: str = "",
    request: Any = None,
) -> Goal:
    """Change a goal if nobody saved it since `version`; otherwise Conflict with both texts.
    Links by id as in `goal_add`; `strength_ids`/`support_ids` of None and an omitted
    `concern_id` leave those links as they are (an empty list or None clears them).
    The client rewrites their own goal in the portal (`acting_user` None, `actor_label` naming
    them). Every change of the goal's words keeps the words it replaced (`GoalWording`)."""
    if concern_id is not UNCHANGED:
        fields = {**fields, "concern": _resolve_concern(goal.client, concern_id)}
    values = _goal_values(goal.client, fields)
    s, p = _links(goal.client, strengths, supports)
    by_id = _resolve_links(goal.client, strength_ids, support_ids)
    s = by_id[0] if by_id[0] is not None else s
    p = by_id[1] if by_id[1] is not None else p
    with transaction.atomic():
        current = (
            Goal.objects.select_for_update(no_key=True)
            .select_related("plan", "client")
            .get(pk=goal.pk)
        )
        before = {k: plain(getattr(current, k)) for k in GOAL_AUDITED}
        texts_before = _goal_texts(current)
        if current.version != version:
            raise Conflict(
                _("Someone else saved this goal while you were editing it."),
                current=before,
                attempted={**before, **{k: plain(v) for k, v in values.items()}},
            )
        for name, value in values.items():
            setattr(current, name, value)
        sensitivity.categorise(
            current,
            _goal_texts(current),
            chosen=fields.get("categories") if fields.get("categories") is not None else None,
            texts_before=texts_before,
        )
        validated(current, exclude=["client", "agency", "plan", "recorded_by", "concern"])
        after = {k: plain(getattr(current, k)) for k in GOAL_AUDITED}
        changes = changed_fields(before, after, hidden=GOAL_SEALED)
        links_changed = (
            s is not None
            and {f.pk for f in s} != set(current.strengths.values_list("pk", flat=True))
        ) or (
            p is not None
            and {n.pk for n in p} != set(current.supports.values_list("pk", flat=True))
        )
        if not changes and not links_changed:
            return current
        _reopen_if_signed(current.plan, acting_user, actor_label=actor_label, request=request)
        Goal.objects.filter(pk=current.pk, version=version).update(
            **values,
            categories=current.categories,
            categories_confirmed=current.categories_confirmed,
            version=version + 1,
            updated_at=timezone.now(),
        )
        current.version = version + 1
        _track_period(current, before["status"], current.status)
        if s is not None:
            current.strengths.set(s)
        if p is not None:
            current.supports.set(p)
        GoalWording.objects.bulk_create(
            GoalWording(
                agency_id=current.agency_id,
                goal=current,
                field=name,
                before=before[name],
                after=after[name],
                by=acting_user,
                by_client=acting_user is None,
            )
            for name in GoalWording.Field.values
            if before[name] != after[name]
        )
        audit_record(
            actor=acting_user,
            actor_label=actor_label,
            action="goal.updated",
            target=current,
            changes=changes,
            request=request,
        )
    return current


# --- steps ----------------------------------------------------------------------------------


def step_add(*, acting_user: User, goal: Goal, fields: Mapping[str, Any]) -> Step:
    """A small step with who does it (the client, the worker, a named support or an agency)."""
    refuse_nul(fields)
    values = {k: fields[k] for k in STEP_FIELDS if k in fields}
    step = Step(agency_id=goal.agency_id, goal=goal, order=goal.steps.count() + 1, **values)
    if step.who in (Step.Who.SUPPORT, Step.Who.AGENCY) and not step.who_name.strip():
        raise ValidationFailed(
            _("Name the person or agency."),
            field_errors={"who_name": [_("Name the person or agency.")]},
        )
    validated(step, exclude=["agency", "goal"])
    with transaction.atomic():
        _reopen_if_signed(goal.plan, acting_user)
        step.save()
        audit_record(
            actor=acting_user,
            action="step.added",
            target=step,
            client_id=goal.client_id,
            changes=changed_fields({}, {k: plain(getattr(step, k)) for k in STEP_FIELDS}),
        )
    return step


def step_mark_done(
    *,
    acting_user: User | None,
    step: Step,
    done_on: dt.date | None,
    actor_label: str = "",
    request: Any = None,
) -> Step:
    """Mark a step done (or not done again). Progress does not reopen a signed plan. The client
    marks their own steps in the portal (`acting_user` None, `actor_label` naming them)."""
    if done_on is not None:
        not_in_future(done_on, "done_on")
    with transaction.atomic():
        before = plain(step.done_on)
        Step.objects.filter(pk=step.pk).update(done_on=done_on, updated_at=timezone.now())
        step.done_on = done_on
        audit_record(
            actor=acting_user,
            actor_label=actor_label,
            action="step.done" if done_on else "step.undone",
            target=step,
            client_id=step.goal.client_id,
            agency_id=step.agency_id,
            changes={"done_on": [before, plain(done_on)]},
            request=request,
        )
    return step


# --- options weighed ------------------------------------------------------------------------


def option_set_add(
    *,
    acting_user: User,
    plan: Plan,
    problem: str,
    author: str = Author.CLIENT,
    options: Iterable[Mapping[str, Any]] = (),
) -> OptionSet:
    """A decision the client is weighing, with their options, pros and cons."""
    refuse_nul({"problem": problem})
    option_set = OptionSet(
        agency_id=plan.agency_id, plan=plan, problem=" ".join(problem.split()), author=author
    )
    validated(option_set, exclude=["agency", "plan", "chosen", "goal"])
    rows = [o for o in options if (o.get("text") or "").strip()]
    with transaction.atomic():
        option_set.save()
        saved = [
            option_add(acting_user=acting_user, option_set=option_set, fields=row, audit=False)
            for row in rows
        ]
        audit_record(
            actor=acting_user,
            action="options.added",
            target=option_set,
            client_id=plan.client_id,
            changes={
                "problem": [None, option_set.problem],
                "options": [None, [r["text"] for r in rows]],
                "option_words": [None, [_option_words(o) for o in saved]],
            },
        )
    return option_set


def _option_words(option: Option) -> dict[str, Any]:
    return {k: getattr(option, k) for k in OPTION_FIELDS}


def option_add(
    *, acting_user: User, option_set: OptionSet, fields: Mapping[str, Any], audit: bool = True
) -> Option:
    """One option with its good and hard sides, each with whose words and whether exact."""
    refuse_nul(fields)
    option = Option(
        agency_id=option_set.agency_id,
        option_set=option_set,
        **{k: fields[k] for k in OPTION_FIELDS if k in fields},
    )
    validated(option, exclude=["agency", "option_set"])
    with transaction.atomic():
        option.save()
        if audit:
            audit_record(
                actor=acting_user,
                action="option.added",
                target=option,
                client_id=option_set.plan.client_id,
                changes=changed_fields({}, _option_words(option)),
            )
    return option


def option_choose(*, acting_user: User, option_set: OptionSet, option: Option) -> OptionSet:
    """Record the client's choice; every option considered stays on record."""
    if option.option_set_id != option_set.pk:
        raise DomainError(_("That option belongs to another decision."))
    with transaction.atomic():
        before = option_set.chosen.text if option_set.chosen else None
        OptionSet.objects.filter(pk=option_set.pk).update(chosen=option, chosen_at=timezone.now())
        option_set.chosen = option
        audit_record(
            actor=acting_user,
            action="option.chosen",
            target=option_set,
            client_id=option_set.plan.client_id,
            changes={"chosen": [before, option.text]},
        )
    return option_set


def option_make_goal(*, acting_user: User, option_set: OptionSet, domain: str) -> Goal:
    """Turn the client's chosen option into a goal in their words."""
    if option_set.chosen is None:
        raise DomainError(_("The client has not chosen an option yet."))
    if option_set.goal_id:
        raise DomainError(_("This choice is already a goal."))
    chosen = option_set.chosen
    with transaction.atomic():
        goal = goal_add(
            acting_user=acting_user,
            plan=option_set.plan,
            fields={
                "statement": chosen.text,
                "author": chosen.author,
                "verbatim": chosen.author == Author.CLIENT,
                "why_it_matters": chosen.pros,
                "why_it_matters_author": chosen.pros_author,
                "why_it_matters_verbatim": chosen.pros_verbatim,
                "domain": domain,
            },
        )
        OptionSet.objects.filter(pk=option_set.pk).update(goal=goal)
        option_set.goal = goal
    return goal


# --- Goal Attainment Scaling ----------------------------------------------------------------


def gas_followup_add(
    *,
    acting_user: User | None,
    goal: Goal,
    level: int,
    scored_by: str,
    scored_on: dt.date | None = None,
    note: str = "",
    actor_label: str = "",
) -> GasFollowUp:
    """A dated follow-up score (−2…+2) by the client or the worker; both are kept. The client
    scores in the portal themselves (`acting_user` None, `actor_label` naming them)."""
    if not goal.gas_complete:
        raise DomainError(_("Write all five levels with the client before the first follow-up."))
    if level not in (-2, -1, 0, 1, 2) or isinstance(level, bool):
        raise ValidationFailed(
            _("Choose a level from −2 to +2."),
            field_errors={"level": [_("Choose a level from −2 to +2.")]},
        )
    if scored_by not in (Author.CLIENT, Author.WORKER):
        raise ValidationFailed(
            _("Say whose score it is."), field_errors={"scored_by": [_("Say whose score it is.")]}
        )
    scored_on = scored_on or timezone.localdate()
    not_in_future(scored_on, "scored_on")
    refuse_nul({"note": note})
    followup = GasFollowUp(
        agency_id=goal.agency_id,
        goal=goal,
        level=level,
        scored_by=scored_by,
        scored_on=scored_on,
        note=note,
        recorded_by=acting_user,
    )
    validated(followup, exclude=["agency", "goal", "recorded_by"])
    with transaction.atomic():
        followup.save()
        # A score dated before the goal's first day in the plan shows it was in the plan then.
        first = GoalPeriod.objects.filter(goal=goal).order_by("start", "id").first()
        if first is not None and scored_on < first.start:
            GoalPeriod.objects.filter(pk=first.pk).update(start=scored_on)
        audit_record(
            actor=acting_user,
            actor_label=actor_label,
            action="gas.followup",
            target=followup,
            client_id=goal.client_id,
            changes={
                "level": [None, level],
                "scored_by": [None, scored_by],
                "scored_on": [None, scored_on.isoformat()],
            },
        )
    return followup


# --- sign-off and approval ------------------------------------------------------------------


def _event(plan: Plan, kind: str, user: User | None, **extra: Any) -> PlanEvent:
    return PlanEvent.objects.create(
        agency_id=plan.agency_id, plan=plan, number=plan.number, kind=kind, by=user, **extra
    )


def plan_client_agree(
    *,
    acting_user: User | None,
    plan: Plan,
    method: str = SignatureMethod.TYPED,
    signed_name: str = "",
    witness_name: str = "",
    document: Any = None,
    drawing: str = "",
    request: Any = None,
    actor_label: str = "",
) -> Plan:
    """Record the client's agreement to this version and how it was given: their own name
    typed (or signature drawn) on the worker's device, a verbal agreement before a named
    witness, or a signed paper form (uploaded: PDF, JPEG or PNG up to 5 MB). The portal method is
    the client's own, in the portal (`acting_user` None, `actor_label` naming them); staff
    cannot record it."""
    signed_name = " ".join((signed_name or "").split())
    witness_name = " ".join((witness_name or "").split())
    refuse_nul({"signed_name": signed_name, "witness_name": witness_name, "drawing": drawing})
    errors: dict[str, list[str]] = {}
    allowed = (
        (SignatureMethod.PORTAL,)
        if acting_user is None
        else (*STAFF_SIGNATURE_METHODS, SignatureMethod.DRAWN)
    )
    if method not in allowed:
        errors["method"] = [_("Choose how the client gave their agreement.")]
    elif (
        method in (SignatureMethod.TYPED, SignatureMethod.DRAWN, SignatureMethod.PORTAL)
        and not signed_name
    ):
        errors["signed_name"] = [_("The client types their own name to agree.")]
    elif method == SignatureMethod.VERBAL and not witness_name:
        errors["witness_name"] = [_("A verbal agreement needs the name of a witness.")]
    elif method == SignatureMethod.PAPER and document is None:
        errors["document"] = [_("Upload the signed paper form.")]
    if len(signed_name) > 200 or len(witness_name) > 200 or len(drawing) > 20000:
        errors.setdefault("signed_name", []).append(_("The signature is too long."))
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), field_errors=errors)
    upload = checked_upload(document) if method == SignatureMethod.PAPER else None
    if method != SignatureMethod.VERBAL:
        witness_name = ""
    if method == SignatureMethod.PAPER:
        signed_name = signed_name or plan.client.display_name
    if method != SignatureMethod.DRAWN:
        drawing = ""
    with transaction.atomic():
        locked = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        if locked.status not in (Plan.Status.DRAFT, Plan.Status.RETURNED):
            raise DomainError(_("This version is already signed."))
        if not Goal.objects.filter(plan=locked, status=Goal.Status.ACTIVE).exists():
            raise DomainError(_("Write at least one goal with the client before they agree."))
        PlanVersion.objects.update_or_create(
            plan=locked,
            number=locked.number,
            defaults={"agency_id": locked.agency_id, "snapshot": snapshot(locked)},
        )
        event = _event(
            locked,
            PlanEvent.Kind.CLIENT_AGREED,
            acting_user,
            signed_name=signed_name,
            signature_method=method,
            signature_drawing=drawing,
            witness_name=witness_name,
        )
        if upload is not None:
            PlanEventDocument.objects.create(
                event=event,
                filename=upload.filename,
                content_type=upload.content_type,
                size=len(upload.data),
                sha256=upload.sha256,
                data=upload.data,
            )
        Plan.objects.filter(pk=locked.pk).update(
            status=Plan.Status.CLIENT_SIGNED, version=locked.version + 1, updated_at=timezone.now()
        )
        audit_record(
            actor=acting_user,
            actor_label=actor_label,
            action="plan.client_agreed",
            target=locked,
            changes={
                "number": [None, locked.number],
                "signed_name": [None, signed_name],
                "method": [None, method],
                "witness_name": [None, witness_name],
                "document_sha256": [None, upload.sha256 if upload else ""],
            },
            request=request,
        )
    plan.refresh_from_db()
    return plan


def plan_agreement_document_open(
    *, acting_user: User, client: Client, event_id: Any, request: Any = None
) -> PlanEventDocument | None:
    """The signed paper agreement of one of this client's plan events, for download by someone
    the caller has already checked may see the client; the download is audited."""
    pk = parse_id(event_id)
    if pk is None:
        return None
    document = (
        PlanEventDocument.objects.select_related("event__plan")
        .filter(event_id=pk, event__plan__client=client)
        .first()
    )
    if document is not None:
        audit_record(
            actor=acting_user,
            action="plan.agreement_document_viewed",
            target=document.event.plan,
            changes={"event": [None, document.event_id], "sha256": [None, document.sha256]},
            request=request,
        )
    return document


def plan_worker_sign(*, acting_user: User, plan: Plan) -> Plan:
    """The worker signs after the client; programs that require it send the plan to a supervisor."""
    if acting_user.role not in (Role.WORKER, Role.SUPERVISOR):
        raise DomainError(_("Only case workers and supervisors sign plans."))
    with transaction.atomic():
        locked = (
            Plan.objects.select_for_update(no_key=True)
            .select_related("episode__program")
            .get(pk=plan.pk)
        )
        if locked.status != Plan.Status.CLIENT_SIGNED:
            raise DomainError(_("The client agrees first; then the worker signs."))
        _event(
            locked,
            PlanEvent.Kind.WORKER_SIGNED,
            acting_user,
            signed_name=acting_user.label,
            signature_method="typed",
        )
        needs_approval = locked.episode.program.requires_plan_approval
        status = Plan.Status.AWAITING_APPROVAL if needs_approval else Plan.Status.ACTIVE
        if needs_approval:
            _event(locked, PlanEvent.Kind.SUBMITTED, acting_user)
        Plan.objects.filter(pk=locked.pk).update(
            status=status, version=locked.version + 1, updated_at=timezone.now()
        )
        audit_record(
            actor=acting_user,
            action="plan.worker_signed",
            target=locked,
            changes={"status": [locked.status, status]},
        )
    plan.refresh_from_db()
    return plan


def plan_review(*, acting_user: User, plan: Plan, approve: bool, comment: str = "") -> Plan:
    """A supervisor of the client's team approves the plan or returns it with comments."""
    comment = (comment or "").strip()
    refuse_nul({"comment": comment})
    if not may_approve(acting_user, plan.client):
        raise DomainError(
            _("Only a supervisor of this client's team can approve or return the plan.")
        )
    if not approve and not comment:
        raise ValidationFailed(
            _("Say what to change when you return a plan."),
            field_errors={"comment": [_("Say what to change when you return a plan.")]},
        )
    with transaction.atomic():
        locked = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        if locked.status != Plan.Status.AWAITING_APPROVAL:
            raise DomainError(_("This plan is not waiting for approval."))
        status = Plan.Status.ACTIVE if approve else Plan.Status.RETURNED
        _event(
            locked,
            PlanEvent.Kind.APPROVED if approve else PlanEvent.Kind.RETURNED,
            acting_user,
            comment=comment,
        )
        Plan.objects.filter(pk=locked.pk).update(
            status=status, version=locked.version + 1, updated_at=timezone.now()
        )
        audit_record(
            actor=acting_user,
            action="plan.approved" if approve else "plan.returned",
            target=locked,
            changes={"status": [locked.status, status], "comment": [None, comment]},
        )
    plan.refresh_from_db()
    return plan
