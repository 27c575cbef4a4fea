"""The "Due tasks" section of the face sheet: every derived task about this client."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from . import due as maintained


def sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    today = timezone.localdate()
    due = maintained.for_client(client, today=today)
    return {"tasks": [("tasks/face/tasks.html", {"tasks": due, "today": today})]} if due else {}
