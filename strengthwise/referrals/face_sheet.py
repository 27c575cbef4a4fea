"""The referrals and due-follow-up sections of the face sheet."""

from __future__ import annotations

from typing import Any

from . import selectors, workflow


def sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    current = [
        r for r in selectors.referrals_for(client).exclude(status=workflow.ENTERED_IN_ERROR)[:8]
    ]
    due = selectors.follow_ups(user, client=client)
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    if current:
        found["referrals"] = [("referrals/face/referrals.html", {"referrals": current})]
    if due["referrals"] or due["consents"]:
        found["tasks"] = [("referrals/face/tasks.html", due)]
    return found
