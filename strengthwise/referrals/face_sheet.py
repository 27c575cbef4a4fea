"""The referrals section of the face sheet."""

from __future__ import annotations

from typing import Any

from . import selectors


def sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    current = selectors.face_sheet_referrals(client=client)
    # Follow-ups and expiring consents are in the tasks section (tasks/rules.py).
    if current:
        return {"referrals": [("referrals/face/referrals.html", {"referrals": current})]}
    return {}
