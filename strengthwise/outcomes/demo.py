"""Demo closures (PERSONAS.md): one of alice's clients (not Dana or Rosa) closes with their goal
achieved — what helped in their words, final GAS scores, an exit matrix, approved by bob when
the program asks for it — and another, who moved away, comes back and starts a new episode.
Everything is written through the services, so the history and audit trail are real."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from strengthwise.accounts.models import User
from strengthwise.assessments import services as assessment_services
from strengthwise.assessments.models import Kind, SsmAdministration
from strengthwise.assessments.templates_data import template_current
from strengthwise.core.errors import DomainError
from strengthwise.people.models import Client, Episode
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import Plan

from . import selectors, services
from .models import Closure

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


def _matrix(alice: User, client: Client, opened: dt.date, closed: dt.date) -> None:
    """An entry matrix when the episode opened and the exit matrix at closing."""
    template = template_current(agency_id=client.agency_id, kind=Kind.SSM)
    keys = [d["key"] for d in template.content["domains"]]
    try:
        if not SsmAdministration.objects.filter(client=client, member__isnull=True).exists():
            assessment_services.ssm_administer(
                acting_user=alice,
                client=client,
                kind=SsmAdministration.Kind.ENTRY,
                administered_on=opened,
                scores={k: (2 if i % 3 else 1, "") for i, k in enumerate(keys)},
            )
        assessment_services.ssm_administer(
            acting_user=alice,
            client=client,
            kind=SsmAdministration.Kind.EXIT,
            administered_on=closed,
            scores={k: (4 if i % 3 else 3, "") for i, k in enumerate(keys)},
        )
    except DomainError:
        return  # the client's matrices do not allow it (an earlier exit): leave them as they are


def _close_with_goal_achieved(
    alice: User, bob: User | None, client: Client, ep: Episode
) -> Closure:
    today = timezone.localdate()
    closed_on = max(ep.opened_on, today - dt.timedelta(days=2))
    plan = Plan.objects.filter(episode=ep).first() or plan_services.plan_start(
        acting_user=alice, client=client, episode=ep
    )
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
    midway = ep.opened_on + (closed_on - ep.opened_on) / 2
    for who, level in (("client", 0), ("worker", 0)):
        plan_services.gas_followup_add(
            acting_user=alice, goal=goal, level=level, scored_by=who, scored_on=midway
        )
    closure = services.closure_start(acting_user=alice, episode=ep)
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
    _matrix(alice, client, ep.opened_on, closed_on)
    closure = services.closure_submit(acting_user=alice, closure=closure)
    if closure.status == Closure.Status.AWAITING_APPROVAL and bob is not None:
        closure = services.closure_review(
            acting_user=bob,
            closure=closure,
            approve=True,
            comment="A good ending, in their words. Thank you.",
        )
    return closure


def _moved_and_came_back(alice: User, client: Client, ep: Episode) -> Episode:
    today = timezone.localdate()
    closed_on = max(ep.opened_on, today - dt.timedelta(days=30))
    closure = services.closure_start(acting_user=alice, episode=ep)
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
    closure = services.closure_submit(acting_user=alice, closure=closure)
    if closure.status != Closure.Status.CLOSED:
        bob = User.objects.filter(username="bob").first()
        if bob is None:
            return ep
        services.closure_review(acting_user=bob, closure=closure, approve=True)
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
