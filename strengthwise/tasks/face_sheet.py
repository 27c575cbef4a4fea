"""The "Due tasks" section of the face sheet: every derived task about this client."""

from __future__ import annotations

from typing import Any

from . import rules


def sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    due = rules.for_client(client)
    return {"tasks": [("tasks/face/tasks.html", {"tasks": due})]} if due else {}
