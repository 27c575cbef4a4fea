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
from collections.abc import Iterable
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import language

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


def labels(categories: Iterable[str]) -> list[str]:
    return [str(Category(c).label) for c in categories if c in Category.values]
