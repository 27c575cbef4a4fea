"""The "Contact notes" section of the face sheet: the latest signed notes."""

from __future__ import annotations

from typing import Any

from .models import Note


def sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    notes = list(
        Note.objects.filter(client=client, status=Note.Status.SIGNED)
        .select_related("author")
        # What the list shows: no sealed section opened for it.
        .only(
            "id",
            "client_id",
            "contact_date",
            "contact_type",
            "author__display_name",
            "author__first_name",
            "author__last_name",
            "author__username",
        )
        .order_by("-contact_date", "-id")[:3]
    )
    return {"contacts": [("notes/face/notes.html", {"notes": notes})]} if notes else {}
