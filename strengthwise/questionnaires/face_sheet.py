"""The face sheet's "More about the client": the newest answers to the agency's client fields
and intake questions, and each instrument's latest total. One query, whatever the number of
questionnaires or fields (the definitions are read once per process)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from . import definition as qdef
from . import selectors
from .forms import rows


def sections(*, client: Any, user: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    newest = selectors.newest_responses(client=client)
    language = "es" if (get_language() or "").startswith("es") else "en"
    to_ask = [
        {
            "questionnaire_id": v.questionnaire_id,
            "title": selectors.definition_of(v).title.get(language),
        }
        for v in selectors.intake_to_ask(client=client)
    ]
    if not newest and not to_ask:
        return {}
    shown = []
    for response in newest:
        definition = selectors.definition_of(response.version)
        answers, verbatim = qdef.answers_from_response(response.items)
        shown.append(
            {
                "response": response,
                "title": definition.title.get(language),
                "rows": rows(definition, language=language, answers=answers, verbatim=verbatim)
                if response.questionnaire.purpose != "instrument"
                else [],
            }
        )
    context = {"answers": shown, "client": client, "to_ask": to_ask}
    return {"agency": [("questionnaires/face/answers.html", context)]}
