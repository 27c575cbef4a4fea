"""What the portal shows a client: their own plan, help and consents, read through the same
selectors as the staff pages, and the record of who looked at it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from strengthwise.assessments import selectors as assessment_selectors
from strengthwise.assessments.models import Kind
from strengthwise.assessments.templates_data import template_current
from strengthwise.audit.services import audit_record
from strengthwise.core import svg
from strengthwise.core.text import show_date
from strengthwise.outcomes import selectors as outcome_selectors
from strengthwise.people.models import Client
from strengthwise.people.selectors import access_log
from strengthwise.plans import selectors as plan_selectors
from strengthwise.referrals import selectors as referral_selectors

from .models import Message, PortalAccount
from .services import actor_label


def record_own_read(client: Client, request: Any, *, what: str) -> None:
    """The client read their own record in the portal (audited like any read; kept out of
    the "who looked" list, which is about others)."""
    if request is not None and request.method not in ("GET", "HEAD"):
        return
    audit_record(
        actor=None,
        actor_label=actor_label(client),
        action="portal.viewed",
        target=client,
        changes={"page": [None, what]},
        request=request,
    )


def my_plan(client: Client) -> dict[str, Any]:
    """The current plan's goals (not the revised-away ones), each with a chart of its progress
    scores once there are two (the table beside it always shows them)."""
    plan = plan_selectors.plan_current(client=client)
    goals = plan_selectors.plan_goals(plan=plan) if plan is not None else []
    goals = [g for g in goals if g.status != "revised"]
    for goal in goals:
        goal.progress_chart = _progress_chart(goal)  # type: ignore[attr-defined]
    return {"plan": plan, "goals": goals}


def _progress_chart(goal: Any) -> str:
    followups = list(goal.followups.all())
    days = sorted({f.scored_on for f in followups})
    if len(days) < 2:
        return ""
    by = {(f.scored_on, f.scored_by): f.level for f in followups}
    return svg.line_chart(
        title=_("How it has gone: −2 much less than expected, +2 much better"),
        x_labels=[show_date(d) for d in days],
        series=[
            svg.Series(_("You"), [by.get((d, "client")) for d in days]),
            svg.Series(_("Your worker"), [by.get((d, "worker")) for d in days]),
        ],
        y_min=-2,
        y_max=2,
        y_ticks=[-2, -1, 0, 1, 2],
        id_prefix=f"goal-{goal.pk}",
    )


def my_privacy(client: Client) -> dict[str, Any]:
    return {
        "consents": referral_selectors.consents_for(client),
        "log": access_log(client=client),
    }


def has_account(client: Client) -> bool:
    return PortalAccount.objects.filter(client=client, active=True).exists()


def my_help(client: Client) -> dict[str, Any]:
    """Referrals in plain words (finished ones ask "did this help?") and the services saved
    with the worker, with address, hours, phone and a map link."""
    from django.utils import translation

    from strengthwise.directory import hours
    from strengthwise.directory import selectors as directory_selectors

    referrals = list(referral_selectors.referrals_for(client).order_by("-created_at", "-id"))
    saved = []
    for s in directory_selectors.saved_for(client):
        addresses = [
            ", ".join(
                part for part in (a.address_1, a.city, a.state_province, a.postal_code) if part
            )
            for sal in s.service.at_locations.all()
            for a in sal.location.addresses.all()
        ]
        saved.append(
            {
                "saved": s,
                "addresses": addresses,
                "hours": hours.describe(
                    directory_selectors.service_schedules(s.service), translation.get_language()
                ),
            }
        )
    return {"referrals": referrals, "saved": saved}


def my_words(client: Client) -> dict[str, Any]:
    """What the client may rewrite in their own words: their dream (the latest motivation
    record), what matters most to them (the strengths assessment's priorities, with the number
    of places the agency's template gives) and what helped (each closure)."""
    history = assessment_selectors.motivation_history(client=client)
    assessment, latest = assessment_selectors.strengths_assessment_get(client=client)
    template = (
        assessment.template
        if assessment
        else template_current(agency_id=client.agency_id, kind=Kind.STRENGTHS)
    )
    return {
        "dream": history[0] if history else None,
        "assessment": assessment,
        "priorities": (latest.content.get("priorities", []) if latest else []),
        "priority_slots": int(template.content["priorities"]["slots"]),
        "closures": [
            c for c in outcome_selectors.client_closures(client=client) if c.what_helped.strip()
        ],
    }


def conversation(*, client: Client, limit: int = 100) -> list[Any]:
    """The client's messages with staff, oldest first (the latest `limit`)."""
    latest = list(
        Message.objects.filter(agency_id=client.agency_id, client=client)
        .select_related("author")
        .order_by("-sent_at", "-id")[:limit]
    )
    return latest[::-1]


def unread_for_client(client: Client) -> int:
    return Message.objects.filter(
        agency_id=client.agency_id, client=client, from_client=False, read_at__isnull=True
    ).count()
