"""The assessment sections of the face sheet: strengths first, dreams in the client's words,
needs (the client's own barriers and a positive screening), and context kept apart from them:
relationships (meso) and the wider world (macro) are never the client's deficits."""

from __future__ import annotations

from typing import Any

from . import selectors


def sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    data = selectors.face_sheet_assessment(client=client)
    factors = data["factors"]
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    if factors["strengths"] or data["resources"]:
        out["strengths"] = [
            (
                "assessments/face/strengths.html",
                {"client": client, "factors": factors["strengths"], "resources": data["resources"]},
            )
        ]
    if data["motivation"] or data["aspirations"] or data["priorities"]:
        out["dreams"] = [
            (
                "assessments/face/dreams.html",
                {
                    "client": client,
                    "motivation": data["motivation"],
                    "aspirations": data["aspirations"],
                    "priorities": data["priorities"],
                },
            )
        ]
    if factors["barriers"] or data["screen_positive"]:
        out["needs"] = [
            (
                "assessments/face/needs.html",
                {
                    "client": client,
                    "barriers": factors["barriers"],
                    "screen": data["screen_positive"],
                },
            )
        ]
    if factors["context"] or factors["relationships"]:
        out["context"] = [
            (
                "assessments/face/context.html",
                {
                    "client": client,
                    "relationships": factors["relationships"],
                    "context": factors["context"],
                },
            )
        ]
    return out
