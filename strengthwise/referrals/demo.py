"""Demo consents and referrals (PERSONAS.md): Dana's rapid re-housing (completed), financial
literacy workshop (accepted), legal aid for the eviction record (requested, waiting long enough
to need a follow-up) and a food pantry (completed, rated 5); other demo clients hold referrals
in every other status, so each step of the loop can be seen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from strengthwise.accounts.models import User
from strengthwise.directory.models import Attribute, Service
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal

from . import services, workflow
from .models import Consent, Referral, ReferralEvent, ServiceDelivery

R = workflow.RECEIVER
Q_ = workflow.REQUESTER


def _service(term: str, words: str = "") -> Service | None:
    ids = Attribute.objects.filter(link_entity="service", taxonomy_term__name__iexact=term).values(
        "link_id"
    )
    qs = Service.objects.filter(pk__in=ids, status=Service.Status.ACTIVE).exclude(
        organization__isnull=True
    )
    if words:
        matching = qs.filter(Q(name__icontains=words) | Q(description__icontains=words))
        found = matching.order_by("name").first() or (
            Service.objects.filter(name__icontains=words, status=Service.Status.ACTIVE)
            .exclude(organization__isnull=True)
            .order_by("name")
            .first()
        )
        if found:
            return found
    return qs.order_by("name").first()


def _consent(user: User, client: Client, service: Service, days_ago: int) -> Consent:
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    existing = Consent.objects.filter(client=client, organization=service.organization).first()
    if existing:
        return existing
    consent = services.consent_record(
        acting_user=user,
        client=client,
        fields={
            "information": ["contact", "demographics", "goals", "strengths"],
            "organization": service.organization,
            "purpose": "referral",
            "valid_from": start,
            "valid_until": start + dt.timedelta(days=365),
            "method": Consent.Method.E_SIGNATURE,
            "signed_name": client.display_name,
            "right_to_revoke_explained": True,
        },
    )
    Consent.objects.filter(pk=consent.pk).update(
        signed_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return consent


def _referral(
    user: User,
    client: Client,
    service: Service | None,
    path: list[tuple[str, str, str]],
    *,
    days_ago: int,
    goal: Goal | None = None,
    note: str = "",
    rating: tuple[int, str] | None = None,
) -> Referral | None:
    """Create a referral and walk it along `path` ((status, side, reason) after "requested"),
    then spread its history over the days since it was sent."""
    if service is None:
        return None
    _consent(user, client, service, days_ago + 1)
    referral = services.referral_create(
        acting_user=user,
        client=client,
        service=service,
        information=["contact", "goals"],
        goal=goal,
        request_note=note,
        send=not path or path[0][0] != workflow.DRAFT,
    )
    org = service.organization.name if service.organization else service.name
    for status, side, reason in path:
        if status == workflow.DRAFT:
            continue
        services.referral_transition(
            referral=referral,
            status=status,
            side=side,
            reason=reason,
            outcome=reason if status == workflow.COMPLETED else "",
            acting_user=user if side == Q_ else None,
            partner_label=f"{org} (partner link)" if side == R else "",
        )
    # Spread the history: sent `days_ago` days ago, each later step a few days after.
    start = timezone.now() - dt.timedelta(days=days_ago)
    events = list(ReferralEvent.objects.filter(referral=referral).order_by("id"))
    step = dt.timedelta(days=max(1, days_ago // max(1, len(events))))
    for i, event in enumerate(events):
        ReferralEvent.objects.filter(pk=event.pk).update(at=start + step * i)
    last = start + step * (len(events) - 1)
    Referral.objects.filter(pk=referral.pk).update(
        created_at=start,
        requested_at=start if referral.requested_at else None,
        status_changed_at=last,
        accepted_at=start + step if referral.accepted_at else None,
        finished_at=last if referral.finished_at else None,
    )
    referral.refresh_from_db()
    if rating is not None:
        services.referral_rate(
            acting_user=user,
            referral=referral,
            helpful=rating[0],
            comment=rating[1],
            comment_verbatim=True,  # the demo's comments are written as the client said them
        )
    return referral


@transaction.atomic
def load(**options: Any) -> dict[str, Any]:
    alice = User.objects.filter(username="alice").first()
    dana = Client.objects.filter(
        legal_first_name="Dana", legal_last_name="Whitfield", agency__slug="river-city"
    ).first()
    if alice is None or dana is None or not Service.objects.exists():
        return {}
    if Referral.objects.filter(client=dana).exists():
        return {"referrals": 0}
    # Statements are sealed (no SQL comparison): pick the goals out in Python.
    goals = list(Goal.objects.filter(client=dana).order_by("pk"))
    housing = next((g for g in goals if g.statement.startswith("Move into")), None)
    school = next((g for g in goals if g.statement.startswith("Start the medical")), None)
    made = []
    made.append(
        _referral(
            alice,
            dana,
            _service("Housing", "re-housing"),
            [
                (workflow.ACCEPTED, R, ""),
                (workflow.IN_PROGRESS, R, ""),
                (
                    workflow.COMPLETED,
                    R,
                    "Dana was approved for six months of rent help; lease signing booked.",
                ),
            ],
            days_ago=60,
            goal=housing,
            note="Dana and her son need a two-bedroom near Jayden's school.",
            rating=(5, "They treated me like a person, not a file."),
        )
    )
    made.append(
        _referral(
            alice,
            dana,
            _service("Financial literacy", "evening"),
            [(workflow.ACCEPTED, R, "")],
            days_ago=12,
            goal=school,
            note="Dana wants a budget that covers the fall course fees.",
        )
    )
    made.append(
        _referral(
            alice,
            dana,
            _service("Legal aid", "sealing"),
            [],
            days_ago=8,
            goal=housing,
            note="Help to seal or expunge last spring's eviction record.",
        )
    )
    made.append(
        _referral(
            alice,
            dana,
            _service("Food", "pantry"),
            [(workflow.ACCEPTED, R, ""), (workflow.COMPLETED, R, "Weekly groceries since March.")],
            days_ago=45,
            rating=(5, "The Saturday hours work with my shifts."),
        )
    )
    # The other statuses, on other demo clients of alice's.
    others = list(
        Client.objects.filter(primary_worker=alice).exclude(pk=dana.pk).order_by("pk")[:6]
    )
    other_paths: list[tuple[str, list[tuple[str, str, str]], int]] = [
        (
            "Counselling",
            [
                (workflow.ACCEPTED, R, ""),
                (workflow.ON_HOLD, R, "Counsellor on leave until next month."),
            ],
            20,
        ),
        ("Job training", [(workflow.REJECTED, R, "No capacity: the spring cohort is full.")], 15),
        ("Childcare", [(workflow.ACCEPTED, R, ""), (workflow.IN_PROGRESS, R, "")], 10),
        (
            "Transport",
            [
                (workflow.ACCEPTED, R, ""),
                (workflow.FAILED, R, "Could not reach the client after three calls."),
            ],
            25,
        ),
        ("Support group", [(workflow.DRAFT, Q_, "")], 2),
        ("Benefits", [(workflow.CANCELLED, Q_, "The client found help through her church.")], 9),
    ]
    for client, (term, path, days) in zip(others, other_paths, strict=False):
        made.append(_referral(alice, client, _service(term), path, days_ago=days))
    if others:
        extra = _referral(alice, others[0], _service("Food"), [], days_ago=3)
        if extra is not None:
            services.referral_transition(
                referral=extra,
                status=workflow.ENTERED_IN_ERROR,
                side=Q_,
                reason="Sent for the wrong client.",
                acting_user=alice,
            )
            made.append(extra)
    workshop = next(
        (r for r in made if r and r.status == workflow.ACCEPTED and r.client_id == dana.pk), None
    )
    services.delivery_add(
        acting_user=alice,
        client=dana,
        fields={
            "goal": housing,
            "what": "Landlord calls and viewing arranged",
            "delivered_by": alice.label,
            "delivered_on": timezone.localdate() - dt.timedelta(days=20),
            "units": 45,
            "unit": ServiceDelivery.Unit.MINUTES,
        },
    )
    if workshop is not None:
        services.delivery_add(
            acting_user=alice,
            client=dana,
            fields={
                "goal": school,
                "referral": workshop,
                "what": "Budgeting workshop, first session",
                "delivered_by": workshop.service.organization.name
                if workshop.service.organization
                else workshop.service.name,
                "delivered_on": timezone.localdate() - dt.timedelta(days=5),
                "units": 1,
                "unit": ServiceDelivery.Unit.SESSIONS,
            },
        )
    return {"referrals": sum(1 for r in made if r is not None)}
