"""How well a service's words answer a goal's words: Okapi BM25 with English stop words removed
and a light suffix-stripping stemmer. Pure (no database), so the page and the API, on SQLite and
on PostgreSQL, rank alike; `selectors.search` feeds it the services' folded `search_text`.

A stem is a prefix of the word it came from ("families" -> "famili", "moving" -> "mov"), but
for a final y turned into i ("family" -> "famili"): `fetch_prefix` gives a prefix of every word
with the stem, so the database can fetch each service that may contain it with a word-prefix
match, and only those are read here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TypeVar

from strengthwise.core.text import fold

K1 = 1.2
B = 0.75
# BM25F-style field weights: a goal word in the service's name counts three times, in one of its
# taxonomy terms twice, in its description once.
NAME_WEIGHT = 3
TERMS_WEIGHT = 2
TEXT_WEIGHT = 1
MAX_QUERY_TERMS = 12


@dataclass(frozen=True)
class Document:
    name: str
    terms: str  # the names of its taxonomy terms
    text: str  # its description


# Function words of English (and the commonest of Spanish, for goals written in Spanish):
# they say nothing about which service fits.
_STOP_WORDS = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even ever few
    for from further get gets getting got had has have having he her here hers herself him
    himself his how i if in into is it its itself just let like ll me more most much must my
    myself need needs no nor not now of off on once only or other our ours ourselves out over
    own really same she should so some still such than that the their theirs them themselves
    then there these they this those through to too under until up us very want wants was we
    were what when where which while who whom why will with would you your yours yourself
    al como con de del el ella ellos en es esta este la las lo los mi mis mas me para pero por
    que se sin su sus un una y yo
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
# Verbs that goals are written with ("Move into an apartment", "Start the course", "Keep my
# job"): they say what the client will do, not which help fits, and match the wrong services
# ("move-out time" in eviction defence). Left out of the goal's words only.
GOAL_VERBS = frozenset(
    [
        "become",
        "begin",
        "find",
        "get",
        "keep",
        "move",
        "moving",
        "start",
        "stay",
        "take",
        "try",
        "go",
        "back",
        "able",
    ]
)
RELATED_WEIGHT = 0.5
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_RELATED_FILE = Path(__file__).parent / "data" / "related-words.txt"
_VOWELS = set("aeiouy")
K = TypeVar("K")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A light English stemmer that only strips: plurals, -ing, -ed, a final -e or -y.

    'apartments' -> 'apartment', 'housing'/'house' -> 'hous', 'families'/'family' -> 'famili',
    'moving'/'moved'/'move' -> 'mov', 'classes' -> 'class', 'shopping' -> 'shop'."""
    w = word
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-2]  # families -> famili(e) -> famili below
    elif w.endswith("sses") or w.endswith(("ches", "shes", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        base = w[: -len(suffix)]
        if w.endswith(suffix) and len(base) >= 3 and _VOWELS & set(base):
            w = base
            if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # shopping -> shopp -> shop
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("y") and w[-2] not in _VOWELS:
        w = w[:-1] + "i"
    return w


def fetch_prefix(stem_: str) -> str:
    """A prefix of every word with this stem (the stemmer turns a final y into i)."""
    return stem_[:-1] if len(stem_) > 3 and stem_.endswith("i") else stem_


_GOAL_VERB_STEMS = frozenset(stem(w) for w in GOAL_VERBS)


def _words(text: str) -> list[str]:
    # fold() decomposes every character; plain ASCII only needs case-folding.
    if text.isascii():
        return _ASCII_WORD.findall(text.casefold())
    return fold(text).split()


def terms(text: str, *, prefixes: tuple[str, ...] = ("",)) -> list[str]:
    """The stems of a text's content words, in order (stop words and single letters dropped);
    only of words starting with one of `prefixes`, when given (the rest cannot match)."""
    return [
        stem(w)
        for w in _words(text)
        if len(w) > 1 and w.startswith(prefixes) and w not in STOP_WORDS
    ]


def query_terms(text: str) -> dict[str, float]:
    """The goal's stems with their weights: its own content words (1.0, at most
    MAX_QUERY_TERMS), then the related words of their groups (RELATED_WEIGHT)."""
    own = [t for t in dict.fromkeys(terms(text)) if t not in _GOAL_VERB_STEMS][:MAX_QUERY_TERMS]
    weights = dict.fromkeys(own, 1.0)
    groups = related_groups()
    for t in own:
        for group in groups:
            if t in group:
                for other in group:
                    weights.setdefault(other, RELATED_WEIGHT)
    return weights


@cache
def related_groups() -> tuple[frozenset[str], ...]:
    """The stems of each group in data/related-words.txt."""
    groups = []
    for line in _RELATED_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            groups.append(frozenset(t for part in line.split(",") for t in terms(part)))
    return tuple(group for group in groups if group)


def stem_counts(doc: Document, *, prefixes: tuple[str, ...] = ("",)) -> Counter[str]:
    """Each stem of a document with its field-weighted count (name, taxonomy terms,
    description); only stems of words starting with one of `prefixes`, when given."""
    found: Counter[str] = Counter()
    for text, weight in (
        (doc.name, NAME_WEIGHT),
        (doc.terms, TERMS_WEIGHT),
        (doc.text, TEXT_WEIGHT),
    ):
        for t in terms(text, prefixes=prefixes):
            found[t] += weight
    return found


def bm25(
    query: Mapping[str, float],
    docs: Mapping[object, Document],
    *,
    total_docs: int,
    lengths: Mapping[object, float],
    average_length: float,
) -> dict[object, float]:
    """BM25 score of each document in `docs` for the weighted query stems (0 ones left out).

    `docs` must hold every document of the collection that contains any query stem (the others
    score 0); `total_docs` is the size of the whole collection, `lengths` and `average_length`
    its document lengths in any unit (characters will do: only their ratio is used)."""
    wanted = {t: w for t, w in query.items() if w > 0}
    if not wanted or not docs:
        return {}
    prefixes = tuple({fetch_prefix(t) for t in wanted})
    counts: dict[object, Mapping[str, float]] = {}
    for key, doc in docs.items():
        found = {t: tf for t, tf in stem_counts(doc, prefixes=prefixes).items() if t in wanted}
        if found:
            counts[key] = found
    return bm25_of_counts(
        wanted,
        counts,
        total_docs=max(total_docs, len(docs)),
        lengths=lengths,
        average_length=average_length,
    )


def bm25_of_counts(
    query: Mapping[str, float],
    counts: Mapping[K, Mapping[str, float]],
    *,
    total_docs: int,
    lengths: Mapping[K, float],
    average_length: float,
) -> dict[K, float]:
    """`bm25` from each matching document's counts of the query's stems (`stem_counts`, only
    stems of the query, documents with none left out): the scoring, for callers that keep
    the counts (`index.py`)."""
    wanted = {t: w for t, w in query.items() if w > 0}
    df = Counter(t for found in counts.values() for t in found if t in wanted)
    n = max(total_docs, len(counts))
    avg = average_length or 1.0
    scores: dict[K, float] = {}
    for key, found in counts.items():
        norm = K1 * (1 - B + B * (lengths.get(key, avg) / avg))
        scores[key] = sum(
            wanted[t]
            * math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            * tf
            * (K1 + 1)
            / (tf + norm)
            for t, tf in found.items()
            if t in wanted
        )
    return scores
