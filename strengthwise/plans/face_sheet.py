"""The goals section of the face sheet: the client's words first."""

from __future__ import annotations

from typing import Any

from . import selectors
from .models import Goal


def sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    plan = selectors.plan_current(client=client)
    if plan is None:
        return {}
    goals = list(Goal.objects.filter(plan=plan, status=Goal.Status.ACTIVE).order_by("order", "id"))
    return {
        "goals": [
            (
                "plans/face/goals.html",
                {"plan": plan, "goals": goals, "voice": selectors.client_voice(goals)},
            )
        ]
    }
