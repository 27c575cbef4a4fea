"""Categories of information the law or the client's safety protects more than the rest.

Every piece of information that can leave the agency (a strength, a goal, a note) carries the
categories it falls in. They are set when it is written — suggested by the language helper's
term matcher (core/language.py) run over `data/sensitive-terms.csv`, which agencies may edit —
and the worker confirms or corrects them. The consent gate (referrals/consent.py) lets an item
out only under a consent that names every one of its categories; substance use information is
protected by 42 CFR Part 2 and always travels with the redisclosure notice.

Notes in a category are also kept out of the notes word index (their words stay sealed).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import language
from .errors import ValidationFailed

TERMS_CSV = Path(__file__).resolve().parent / "data" / "sensitive-terms.csv"


class Category(models.TextChoices):
    """Values shared with referrals.Information: a consent names them to cover them."""

    SUBSTANCE_USE = "substance_use", _("Substance use (42 CFR Part 2)")
    HIV = "hiv", _("HIV status")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic or sexual violence")


PART2 = Category.SUBSTANCE_USE


@functools.cache
def _terms() -> tuple[tuple[language.Term, ...], dict[str, str]]:
    terms: list[language.Term] = []
    category_of: dict[str, str] = {}
    with TERMS_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            term, category = row["term"].strip(), row["category"].strip()
            if not term:
                continue
            if category not in Category.values:
                raise ValueError(f"{TERMS_CSV.name}: unknown category {category!r} for {term!r}")
            terms.append(language.Term(term=term, alternatives=(), sources=()))
            category_of[term] = category
    return tuple(terms), category_of


def suggest(*texts: str) -> list[str]:
    """The categories the words of `texts` suggest, in the vocabulary's order. Quoted words
    count like any others: what the client says about themselves is still their information."""
    terms, category_of = _terms()
    matcher = language.matcher_for(terms)
    found = {
        category_of[f.term]
        for text in texts
        if text
        for f in matcher.flag(text, unmarked=language.OTHER)
    }
    return [c for c in Category.values if c in found]


def clean(categories: Iterable[str]) -> list[str]:
    """Known categories, once each, in the vocabulary's order; raises ValueError on others."""
    chosen = set(categories)
    unknown = chosen - set(Category.values)
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    return [c for c in Category.values if c in chosen]


class Categorisable(Protocol):
    categories: list[str]
    categories_confirmed: bool


def categorise(
    item: Categorisable,
    texts: Sequence[str],
    *,
    chosen: Iterable[str] | None = None,
    texts_before: Sequence[str] | None = None,
) -> None:
    """Set `item`'s categories as it is written (no save).

    `chosen` is what the worker ticked (None: they were not asked). New words are always
    checked: what they suggest is added, never silently dropped, and the item then counts as
    unconfirmed until the worker's choice covers it. A worker's choice made without changing
    the words (`texts_before` equal to `texts`) is taken as it is, so a wrong suggestion can be
    removed. An unknown category is refused on the "categories" field."""
    try:
        picked = clean(chosen) if chosen is not None else None
    except ValueError as exc:
        raise ValidationFailed(
            gettext("Choose protected categories from the list."),
            field_errors={"categories": [gettext("Unknown: %(what)s.") % {"what": exc}]},
        ) from exc
    changed = texts_before is None or list(texts_before) != list(texts)
    found = suggest(*texts) if changed else []
    base = picked if picked is not None else list(item.categories)
    result = clean([*base, *found])
    if picked is not None:
        item.categories_confirmed = result == picked
    elif result != list(item.categories):
        item.categories_confirmed = False
    item.categories = result


def covered(item: Categorisable, allowed: Iterable[str]) -> bool:
    """Whether a consent allowing `allowed` kinds of information lets this item out."""
    return set(item.categories) <= set(allowed)


def labels(categories: Iterable[str]) -> list[str]:
    return [str(Category(c).label) for c in categories if c in Category.values]
