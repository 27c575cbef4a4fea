"""The face sheet gathers sections from the apps above `people` without importing them.

Each app lists a provider in settings.STRENGTHWISE_FACE_SHEET_PROVIDERS:
`provider(*, client, user) -> {slot: [(template_name, context), …]}`. The face sheet renders
the sections of each slot in order, or the slot's empty state when there are none.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

SLOTS = (
    "strengths",
    "dreams",
    "goals",
    "needs",
    "context",
    "agency",
    "referrals",
    "contacts",
    "tasks",
)


def face_sheet_sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    sections: dict[str, list[tuple[str, dict[str, Any]]]] = {slot: [] for slot in SLOTS}
    for path in settings.STRENGTHWISE_FACE_SHEET_PROVIDERS:
        for slot, items in import_string(path)(client=client, user=user).items():
            sections[slot].extend(items)
    return sections
