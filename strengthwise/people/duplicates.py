"""Likely-duplicate scoring for intake: fuzzy and phonetic name match plus date of birth.

Pure functions (no database) so they can be table-tested; `selectors.client_duplicate_candidates`
fetches the candidates and ranks them with `match_score`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jellyfish

from strengthwise.core.crypto import blind_index, blind_indexes
from strengthwise.core.text import fold

LIKELY = 0.85
POSSIBLE = 0.70
NAME_WEIGHT = 0.65
DOB_WEIGHT = 0.35


@dataclass(frozen=True)
class PersonKey:
    first: str
    last: str
    dob: dt.date | None = None
    preferred: str = ""


def phonetic(value: str) -> str:
    """A Metaphone key of the folded name ('' when there is nothing to encode)."""
    folded = fold(value).replace(" ", "")
    return jellyfish.metaphone(folded)[:30] if folded else ""


def _jw(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return jellyfish.jaro_winkler_similarity(a, b)


def _part_score(a: str, b: str) -> float:
    """Similarity of two name parts: the better of spelling and sound."""
    spelling = _jw(fold(a), fold(b))
    sound = 1.0 if phonetic(a) and phonetic(a) == phonetic(b) else 0.0
    return max(spelling, 0.5 * spelling + 0.5 * sound)


def name_similarity(a: PersonKey, b: PersonKey) -> float:
    """0..1; tries preferred names and swapped first/last names."""
    firsts_a = [n for n in (a.first, a.preferred) if n]
    firsts_b = [n for n in (b.first, b.preferred) if n]
    first = max((_part_score(x, y) for x in firsts_a for y in firsts_b), default=0.0)
    last = _part_score(a.last, b.last)
    direct = (first + last) / 2
    swapped = (_part_score(a.first, b.last) + _part_score(a.last, b.first)) / 2 * 0.95
    return max(direct, swapped)


def dob_similarity(a: dt.date | None, b: dt.date | None) -> float:
    """1 for the same date; partial credit for a likely typing slip; 0.5 when unknown."""
    if a is None or b is None:
        return 0.5
    if a == b:
        return 1.0
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return 0.8  # day and month swapped
    sa, sb = a.isoformat(), b.isoformat()
    if sum(x != y for x, y in zip(sa, sb, strict=True)) == 1:
        return 0.7  # one digit off
    if a.year == b.year and a.month == b.month:
        return 0.3
    return 0.0


def match_score(a: PersonKey, b: PersonKey) -> float:
    return round(NAME_WEIGHT * name_similarity(a, b) + DOB_WEIGHT * dob_similarity(a.dob, b.dob), 3)


def match_level(score: float) -> str:
    if score >= LIKELY:
        return "likely"
    if score >= POSSIBLE:
        return "possible"
    return ""


# The blind index of a date of birth (core/crypto.py): the date itself is sealed at rest.
DOB_INDEX = "people.client.dob_index"


def dob_index_for(day: dt.date | None) -> str:
    """The digest stored in `Client.dob_index` for a date of birth ('' for none)."""
    return blind_index(day.isoformat(), context=DOB_INDEX) if day else ""


def dob_indexes_for(day: dt.date) -> list[str]:
    """What a lookup by date of birth matches: the digest under every configured field key."""
    return blind_indexes(day.isoformat(), context=DOB_INDEX)
