"""Demo closures (PERSONAS.md): one of alice's clients (not Dana or Rosa) closes with their goal
achieved — what helped in their words, final GAS scores, an exit matrix, approved by bob when
the program asks for it — and another, who moved away, comes back and starts a new episode.
Everything is written through the services, so the history and audit trail are real."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max

from strengthwise.accounts.models import User
from strengthwise.assessments import services as assessment_services
from strengthwise.assessments.demo import restamp, story_at, story_today
from strengthwise.assessments.models import Kind
from strengthwise.assessments.templates_data import template_current
from strengthwise.core.errors import DomainError
from strengthwise.notes.models import Note
from strengthwise.people.models import Client, Episode
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import GasFollowUp, Goal, GoalPeriod, Plan
from strengthwise.questionnaires.models import QuestionnaireResponse

from . import selectors, services
from .models import Closure, ClosureEvent

GOAL_GAS = {
    "gas_minus2": "Behind on rent again and no plan for it",
    "gas_minus1": "Behind on rent, with a payment plan agreed",
    "gas_zero": "Rent paid on time for three months",
    "gas_plus1": "Rent paid on time and a small emergency fund started",
    "gas_plus2": "Rent paid on time and a month's rent saved",
}


def _candidates(alice: User, exclude: list[int]) -> list[tuple[Client, Episode]]:
    """Alice's other clients with an open episode and no referral still open, oldest first."""
    found: list[tuple[Client, Episode]] = []
    clients = (
        Client.objects.filter(primary_worker=alice, merged_into__isnull=True)
        .exclude(pk__in=exclude)
        .order_by("pk")
    )
    for client in clients.iterator():
        episode = (
            Episode.objects.filter(client=client, closed_on__isnull=True)
            .select_related("program")
            .order_by("opened_on")
            .first()
        )
        if episode is None or selectors.open_referrals(client=client).exists():
            continue
        found.append((client, episode))
        if len(found) == 2:
            break
    return found


def _last_event(closure: Closure) -> int:
    return ClosureEvent.objects.filter(closure=closure).aggregate(last=Max("pk"))["last"] or 0


def _closure_at(closure: Closure, after: int, at: dt.datetime, *fields: str) -> int:
    """Date what the last service call did to a closure: its new events, `updated_at` and the
    named fields (submitted_at, reviewed_at, closed_at), and the episode it closed."""
    ClosureEvent.objects.filter(closure=closure, pk__gt=after).update(at=at)
    restamp(Closure, closure.pk, at, "updated_at", *fields)
    if "closed_at" in fields:
        restamp(Episode, closure.episode_id, at, "updated_at")
    return _last_event(closure)


def _matrix(alice: User, client: Client, opened: dt.date, closed: dt.date) -> None:
    """An entry matrix when the episode opened and the exit matrix at closing."""
    template = template_current(agency_id=client.agency_id, kind=Kind.SSM)
    keys = [d["key"] for d in template.content["domains"]]
    matrices = QuestionnaireResponse.objects.filter(client=client, questionnaire__shipped=Kind.SSM)
    try:
        if not matrices.filter(member__isnull=True).exists():
            assessment_services.ssm_administer(
                acting_user=alice,
                client=client,
                kind=QuestionnaireResponse.Occasion.ENTRY,
                administered_on=opened,
                scores={k: (2 if i % 3 else 1, "") for i, k in enumerate(keys)},
            )
        assessment_services.ssm_administer(
            acting_user=alice,
            client=client,
            kind=QuestionnaireResponse.Occasion.EXIT,
            administered_on=closed,
            scores={k: (4 if i % 3 else 3, "") for i, k in enumerate(keys)},
        )
    except DomainError:
        return  # the client's matrices do not allow it (an earlier exit): leave them as they are
    finally:  # each matrix was filled in on the day it is dated
        for pk, day in matrices.filter(answered_on__in=(opened, closed)).values_list(
            "pk", "answered_on"
        ):
            restamp(
                QuestionnaireResponse,
                pk,
                story_at(client.agency_id, day, 10 if day == closed else 11),
                "created_at",
            )


def _close_with_goal_achieved(
    alice: User, bob: User | None, client: Client, ep: Episode
) -> Closure:
    today = story_today(client.agency_id)
    closed_on = max(ep.opened_on, today - dt.timedelta(days=2))
    at = lambda day, h, m=0: story_at(client.agency_id, day, h, m)  # noqa: E731
    # The plan was written in the first week (or third of the episode), scored halfway, and
    # the closure written on the day it is dated; bob approved it the next morning.
    planned = ep.opened_on + min(dt.timedelta(days=7), (closed_on - ep.opened_on) / 3)
    plan = Plan.objects.filter(episode=ep).first()
    if plan is None:
        plan = plan_services.plan_start(acting_user=alice, client=client, episode=ep)
        restamp(Plan, plan.pk, at(planned, 10))
    goal = plan_services.goal_add(
        acting_user=alice,
        plan=plan,
        fields={
            "statement": "Keep up with the rent without borrowing from my brother",
            "author": "client",
            "verbatim": True,
            "why_it_matters": "I want my kids to stop worrying about moving.",
            "domain": "financial",
            "gas_importance": 3,
            "gas_difficulty": 2,
            "gas_baseline": -1,
            **GOAL_GAS,
        },
    )
    restamp(Goal, goal.pk, at(planned, 10, 20))
    midway = ep.opened_on + (closed_on - ep.opened_on) / 2
    for who, level in (("client", 0), ("worker", 0)):
        followup = plan_services.gas_followup_add(
            acting_user=alice, goal=goal, level=level, scored_by=who, scored_on=midway
        )
        restamp(GasFollowUp, followup.pk, at(midway, 15), "created_at")
    GoalPeriod.objects.filter(goal=goal).update(start=planned)
    closure = services.closure_start(acting_user=alice, episode=ep)
    restamp(Closure, closure.pk, at(closed_on, 10))
    closure = services.closure_save(
        acting_user=alice,
        closure=closure,
        fields={
            "reason": "goals_achieved",
            "what_helped": (
                "Having someone who called back when she said she would. And writing the "
                "budget down on paper — it's on my fridge now."
            ),
            "what_helped_author": "client",
            "what_helped_verbatim": True,
            "worker_summary": (
                "Rent paid on time since the payment plan; a small emergency fund started. "
                "Knows to call us again if anything changes."
            ),
            "closed_on": closed_on,
        },
    )
    services.closure_gas_record(
        acting_user=alice, closure=closure, levels={goal.pk: {"client": 2, "worker": 1}}
    )
    GasFollowUp.objects.filter(goal=goal, scored_on=closed_on).update(
        created_at=at(closed_on, 10, 40)
    )
    _matrix(alice, client, ep.opened_on, closed_on)
    seen = _last_event(closure)
    closure = services.closure_submit(acting_user=alice, closure=closure)
    sent = at(closed_on, 11)
    done = ("closed_at",) if closure.status == Closure.Status.CLOSED else ()
    seen = _closure_at(closure, seen, sent, "submitted_at", *done)
    if closure.status == Closure.Status.AWAITING_APPROVAL and bob is not None:
        closure = services.closure_review(
            acting_user=bob,
            closure=closure,
            approve=True,
            comment="A good ending, in their words. Thank you.",
        )
        next_day = at(min(closed_on + dt.timedelta(days=1), today), 9, 30)
        _closure_at(closure, seen, max(next_day, sent), "reviewed_at", "closed_at")
    closure.refresh_from_db()
    return closure


def _moved_and_came_back(alice: User, client: Client, ep: Episode) -> Episode:
    today = story_today(client.agency_id)
    # Moved away a month ago (after the last contact, at the end of that day; never before
    # the episode opened) and came back today.
    last_contact = (
        Note.objects.filter(client=client, contact_date__gte=ep.opened_on).aggregate(
            last=Max("contact_date")
        )["last"]
        or ep.opened_on
    )
    closed_on = max(ep.opened_on, last_contact, today - dt.timedelta(days=30))
    at = lambda h, m=0: story_at(client.agency_id, closed_on, h, m)  # noqa: E731
    closure = services.closure_start(acting_user=alice, episode=ep)
    restamp(Closure, closure.pk, at(17))
    services.closure_save(
        acting_user=alice,
        closure=closure,
        fields={
            "reason": "moved",
            "what_helped": "Knowing I could text you and not get a lecture.",
            "what_helped_author": "client",
            "what_helped_verbatim": True,
            "worker_summary": "Moving to a sister's place in Springfield; given the numbers there.",
            "closed_on": closed_on,
        },
    )
    seen = _last_event(closure)
    closure = services.closure_submit(acting_user=alice, closure=closure)
    done = ("closed_at",) if closure.status == Closure.Status.CLOSED else ()
    seen = _closure_at(closure, seen, at(17, 15), "submitted_at", *done)
    if closure.status != Closure.Status.CLOSED:
        bob = User.objects.filter(username="bob").first()
        if bob is None:
            return ep
        services.closure_review(acting_user=bob, closure=closure, approve=True)
        reviewed = story_at(client.agency_id, min(closed_on + dt.timedelta(days=1), today), 9)
        _closure_at(closure, seen, max(reviewed, at(17, 15)), "reviewed_at", "closed_at")
    return services.episode_reopen(
        acting_user=alice,
        client=client,
        program=ep.program,
        reason=(
            "Back in River City: the move to Springfield fell through. "
            "Asked to work with Alice again."
        ),
        reason_author="worker",  # the worker's summary of what she said, not a quotation
        opened_on=today,
    )


@transaction.atomic
def load(**options: Any) -> dict[str, Any]:
    alice = User.objects.filter(username="alice").first()
    bob = User.objects.filter(username="bob").first()
    if alice is None or Closure.objects.exists():
        return {}
    personas = Client.objects.filter(
        agency_id=alice.agency_id,
        legal_first_name__in=("Dana", "Rosa"),
        legal_last_name__in=("Whitfield", "Hernández"),
    ).values_list("pk", flat=True)
    found = _candidates(alice, list(personas))
    if not found:
        return {}
    closed = _close_with_goal_achieved(alice, bob, *found[0])
    out: dict[str, Any] = {"closures": 1, "closed_client": closed.client_id}
    if len(found) > 1:
        episode = _moved_and_came_back(alice, *found[1])
        out.update({"closures": 2, "reopened_client": episode.client_id})
    return out
