"""What the portal shows a client: their own plan, help and consents, read through the same
selectors as the staff pages, and the record of who looked at it."""

from __future__ import annotations

from typing import Any

from strengthwise.audit.services import audit_record
from strengthwise.people.models import Client
from strengthwise.people.selectors import access_log
from strengthwise.plans import selectors as plan_selectors
from strengthwise.referrals import selectors as referral_selectors

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
    plan = plan_selectors.plan_current(client=client)
    goals = plan_selectors.plan_goals(plan=plan) if plan is not None else []
    return {"plan": plan, "goals": [g for g in goals if g.status != "revised"]}


def my_privacy(client: Client) -> dict[str, Any]:
    return {
        "consents": referral_selectors.consents_for(client),
        "log": access_log(client=client),
    }


def has_account(client: Client) -> bool:
    from .models import PortalAccount

    return PortalAccount.objects.filter(client=client, active=True).exists()
