"""Note formats as data (notes/data/note-formats.yaml): GIRP, DAP, SOAP, BIRP, and free text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DEFAULT = "girp"
FREE = "free"

# Labels and prompts for each section key used by the formats (our own wording).
SECTIONS = {
    "goal": (_("Goal"), _("Which of their goals was this about? In their words if you can.")),
    "intervention": (_("Intervention"), _("What you did or offered.")),
    "response": (
        _("Response"),
        _("How they responded — strengths they showed, progress made, their words in quotes."),
    ),
    "plan": (_("Plan"), _("What happens next, who does it, by when.")),
    "data": (_("Data"), _("What you saw and heard, including their words in quotes.")),
    "assessment": (
        pgettext_lazy("note section", "Assessment"),
        _("What it means, starting with what is going well."),
    ),
    "subjective": (_("Subjective"), _("What they told you, in quotes where it matters.")),
    "objective": (_("Objective"), _("What you observed.")),
    "behavior": (_("Behaviour"), _("What they did and said.")),
    "text": (_("Note"), _("What happened, in plain words.")),
}


@cache
def formats() -> dict[str, list[str]]:
    """{format key: [section keys]}, GIRP first (the default), free text last."""
    data = yaml.safe_load((Path(__file__).parent / "data" / "note-formats.yaml").read_text())
    found = {name.lower(): [str(s) for s in sections] for name, sections in data.items()}
    ordered = {DEFAULT: found.pop(DEFAULT)}
    ordered.update(found)
    ordered[FREE] = ["text"]
    return ordered


def choices() -> list[tuple[str, str]]:
    return [(k, str(_("Free text")) if k == FREE else k.upper()) for k in formats()]


def sections_of(fmt: str) -> list[str]:
    return formats().get(fmt, formats()[DEFAULT])
