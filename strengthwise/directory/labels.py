"""Category (taxonomy term) and language names in the reader's language.

A directory's terms are data: imported HSDS terms keep the names their publisher gave them. The
demo directory's categories have Spanish names in the message catalogue, under the context
"directory category" (so "Food" as a category never collides with another "Food"); any other
name reads as stored.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import get_language, pgettext, pgettext_lazy

CONTEXT = "directory category"

# The demo directory's categories (directory/demo.py TERMS), listed so the catalogue keeps them.
DEMO_CATEGORIES = (
    pgettext_lazy(CONTEXT, "Shelter"),
    pgettext_lazy(CONTEXT, "Food"),
    pgettext_lazy(CONTEXT, "Counselling"),
    pgettext_lazy(CONTEXT, "Support group"),
    pgettext_lazy(CONTEXT, "Financial literacy"),
    pgettext_lazy(CONTEXT, "Legal aid"),
    pgettext_lazy(CONTEXT, "Job training"),
    pgettext_lazy(CONTEXT, "Childcare"),
    pgettext_lazy(CONTEXT, "Adult education"),
    pgettext_lazy(CONTEXT, "Health"),
    pgettext_lazy(CONTEXT, "Benefits"),
    pgettext_lazy(CONTEXT, "Transport"),
    pgettext_lazy(CONTEXT, "Crisis support"),
    pgettext_lazy(CONTEXT, "Arts and recreation"),
    pgettext_lazy(CONTEXT, "Faith and culture"),
    pgettext_lazy(CONTEXT, "Clothing and household"),
    pgettext_lazy(CONTEXT, "Small business"),
    pgettext_lazy(CONTEXT, "Case management"),
    pgettext_lazy(CONTEXT, "Volunteering"),
)


def term_label(name: str) -> str:
    """A category's name in the active language (as stored when the catalogue lacks it)."""
    return pgettext(CONTEXT, name) if name else name


def term_choices(terms: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(value, name) choices with the names in the active language."""
    return [(value, term_label(name)) for value, name in terms]


def language_label(code: str, name: str = "") -> str:
    """A service language's name in the reader's language: the client languages the agency
    records (`people.Language`) are translated; any other reads as stored."""
    found = _language_names(get_language()).get((code or "").lower())
    return found if found else (name or code)


@cache
def _language_names(language: str | None) -> dict[str, str]:
    """`people.Language`'s names by code in `language`, the active language when it is asked
    (a catalogue does not change while the process runs). Made once per language: a page of
    25 services showed their languages by translating every name again for each badge, a
    tenth of a find-help page's time."""
    from strengthwise.people.models import Language

    labels = {str(value): str(label) for value, label in Language.choices}
    labels.setdefault("asl", labels.get("ase", ""))
    return labels
