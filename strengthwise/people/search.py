"""Typo-tolerant client search over an access-scoped queryset.

Candidates come from two indexes, and are then ranked in Python with the same scorer on both
databases, so results are ordered alike:

- the folded name (`search_name`) in a trigram index: SQLite FTS5 with the trigram tokenizer
  (kept in step with `people_client` by triggers, migration 0002); PostgreSQL `pg_trgm` word
  similarity on a GIN index. Good for long names and prefixes;
- name keys (`search_keys`): each name word, the word with any one letter deleted, and its
  Metaphone key. Two words one transposition, insertion, deletion or substitution apart
  always share a deletion key ("dnaa" and "dana" both give "dna"), and names that sound alike
  share the Metaphone key, even when short names share no trigram at all. SQLite indexes them
  in a second FTS5 table (`people_client_keys`, migration 0005), PostgreSQL in a GIN index on
  the array of keys.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jellyfish
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import F, Func, IntegerField, Q, QuerySet, TextField, Value

from strengthwise.accounts.access import client_visible, clients_visible_to
from strengthwise.core.text import digits, fold

from .duplicates import dob_indexes_for

CANDIDATES = 200  # per index: up to this many from the trigram index and from the name keys
FTS_POOL = 500  # best-ranked trigram matches considered before access scoping (SQLite)
KEY_POOL = 200  # best-ranked name-key matches considered before access scoping (SQLite)
KEYED_WORD_MAX = 30  # longer words are keyed only as themselves (the trigram index has them)
MIN_SCORE = 0.72
# A scope of up to this many clients (a worker's caseload and team) is scored whole: every
# name in it, ~3 µs each, instead of asking the indexes for candidates. The indexes rank
# matches across the agency before the access rule applies, so at 100,000 clients the best
# 500 "garcia"s of the agency held one of alice's eight.
SCORE_WHOLE_SCOPE = 2000
_PHONE_OR_ID = re.compile(r"^[\d\s()+.\-]+$")
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$|^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def search_name_for(*parts: str) -> str:
    """The folded, de-duplicated words a client is found by."""
    words: list[str] = []
    for part in parts:
        for word in fold(part).split():
            if word not in words:
                words.append(word)
    return " ".join(words)[:400]


def _word_keys(word: str) -> list[str]:
    """A folded word's keys: itself, its one-letter deletions and "_" + its Metaphone code."""
    keys = [word]
    if 3 <= len(word) <= KEYED_WORD_MAX:
        # The symmetric-delete neighbourhood: a transposition, an insertion, a deletion or a
        # substitution leaves the two words with one deleted form in common.
        keys.extend(word[:i] + word[i + 1 :] for i in range(len(word)))
        sound = jellyfish.metaphone(word).lower()
        if len(sound) >= 2:  # one-letter codes ("L" for Lee) would match half the agency
            keys.append("_" + sound)  # "_" never occurs in a folded word
    return keys


def search_keys_for(search_name: str) -> str:
    """The name keys a client is found by (see the module docstring), space separated."""
    return " ".join(_keys(search_name.split()))


def _keys(words: list[str]) -> list[str]:
    return list(dict.fromkeys(key for word in words for key in _word_keys(word)))


def _key_groups(words: list[str]) -> list[list[str]]:
    """The keys of each query word long enough to carry a typo (one list per distinct word)."""
    return [_word_keys(word) for word in dict.fromkeys(words) if len(word) >= 3]


def parse_date(value: str) -> dt.date | None:
    match = _DATE.match(value)
    if not match:
        return None
    try:
        if match.group(1):
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return dt.date(int(match.group(6)), int(match.group(4)), int(match.group(5)))
    except ValueError:
        return None


def _trigrams(words: list[str]) -> list[str]:
    grams: list[str] = []
    for word in words:
        for i in range(len(word) - 2):
            gram = word[i : i + 3]
            if gram not in grams:
                grams.append(gram)
    return grams


def name_score(query_words: list[str], search_name: str) -> float:
    """How well the query words match a client's name words (0..1)."""
    name_words = search_name.split()
    if not query_words or not name_words:
        return 0.0
    total = 0.0
    for q in query_words:
        best = 0.0
        for w in name_words:
            if w.startswith(q):
                best = 1.0
                break
            best = max(best, jellyfish.jaro_winkler_similarity(q, w))
        total += best
    return total / len(query_words)


def _candidates(user: Any, scoped: QuerySet[Any], words: list[str]) -> list[tuple[int, str]]:
    """(id, search_name) of the clients the user may see that either index finds for `words`:
    up to CANDIDATES from each, best index match first, trigram matches before key matches."""
    if connection.vendor == "sqlite":
        if not _trigrams(words):
            # Fewer than three letters in every word: a prefix match is the best we can do.
            prefix = scoped.filter(search_name__startswith=words[0])
            return list(prefix.values_list("id", "search_name")[:CANDIDATES])
        found = _sqlite_candidates(user, words)
    else:
        found = _postgres_candidates(scoped, words)
    candidates: dict[int, str] = {}
    for pk, name in found:
        candidates.setdefault(pk, name)
    return list(candidates.items())


# row_number() OVER () numbers the rows in the order each ranked subquery delivers them.
_SQLITE_RANKED_TRIGRAMS = (
    "SELECT rowid AS id, 0 AS source, row_number() OVER () AS n FROM ("
    "SELECT rowid FROM people_client_fts WHERE people_client_fts MATCH %s "
    "ORDER BY rank LIMIT %s)"
)
_SQLITE_RANKED_KEYS = (
    "SELECT rowid AS id, 1 AS source, row_number() OVER () AS n FROM ("
    "SELECT rowid FROM people_client_keys WHERE people_client_keys MATCH %s "
    "ORDER BY rank LIMIT %s)"
)
_SQLITE_ROWS = (
    "SELECT c.id, c.search_name, c.agency_id, c.primary_worker_id, c.team_id, "
    "c.merged_into_id, m.source FROM ({}) AS m JOIN people_client AS c ON c.id = m.id "
    "ORDER BY m.source, m.n"
)
_SQLITE_TRIGRAMS = _SQLITE_ROWS.format(_SQLITE_RANKED_TRIGRAMS)
_SQLITE_BOTH = _SQLITE_ROWS.format(f"{_SQLITE_RANKED_TRIGRAMS} UNION ALL {_SQLITE_RANKED_KEYS}")


def _sqlite_candidates(user: Any, words: list[str]) -> list[tuple[int, str]]:
    """One query: the best FTS_POOL trigram matches and KEY_POOL key matches, each ranked in
    its FTS5 index alone, with the access columns of those rows; the access rule is then
    applied in Python. (Letting SQLite drive the MATCH from an `IN (scope)` list probes the
    index once per visible client.)"""
    grams = " OR ".join(f'"{g}"' for g in _trigrams(words))
    # Every keyed word must match one of its keys (in any order: first and last swapped).
    keys = " AND ".join(
        "(" + " OR ".join(f'"{k}"' for k in group) + ")" for group in _key_groups(words)
    )
    with connection.cursor() as cursor:
        if keys:
            cursor.execute(_SQLITE_BOTH, [grams, FTS_POOL, keys, KEY_POOL])
        else:
            cursor.execute(_SQLITE_TRIGRAMS, [grams, FTS_POOL])
        rows = cursor.fetchall()
    found: list[tuple[int, str]] = []
    per_source = [0, 0]
    for pk, name, agency_id, worker_id, team_id, merged_into_id, source in rows:
        if per_source[source] >= CANDIDATES or not client_visible(
            user,
            agency_id=agency_id,
            primary_worker_id=worker_id,
            team_id=team_id,
            merged_into_id=merged_into_id,
        ):
            continue
        per_source[source] += 1
        found.append((pk, name))
    return found


class _NameKeys(Func):
    """The client's name keys as an array: the expression of the GIN index (migration 0005)."""

    template = "string_to_array(%(expressions)s, ' ')"
    output_field = ArrayField(TextField())


class _SharedCount(Func):
    """How many elements two arrays have in common."""

    template = "cardinality(ARRAY(SELECT unnest(%(expressions)s)))"
    arg_joiner = ") INTERSECT SELECT unnest("
    output_field = IntegerField()


def _postgres_candidates(scoped: QuerySet[Any], words: list[str]) -> list[tuple[int, str]]:
    """Two scoped queries: pg_trgm word similarity, then the clients sharing the most name
    keys (GIN index on the key array, migration 0005)."""
    condition = Q()
    for word in words:
        condition |= Q(search_name__trigram_word_similar=word) | Q(search_name__startswith=word)
    best_first = scoped.filter(condition).annotate(
        similarity=TrigramWordSimilarity(" ".join(words), "search_name")
    )
    by_trigram = list(
        best_first.order_by("-similarity", "id").values_list("id", "search_name")[:CANDIDATES]
    )
    groups = _key_groups(words)
    if not groups:
        return by_trigram
    keys = [key for group in groups for key in group]
    matches_every_word = Q()
    for group in groups:  # as on SQLite: every keyed word matches one of its keys
        matches_every_word &= Q(name_keys__overlap=group)
    by_key = (
        scoped.alias(name_keys=_NameKeys(F("search_keys")))
        .filter(matches_every_word)
        .annotate(
            shared=_SharedCount(F("name_keys"), Value(keys, output_field=ArrayField(TextField())))
        )
        .order_by("-shared", "id")
        .values_list("id", "search_name")[:CANDIDATES]
    )
    return by_trigram + list(by_key)


def client_search_ids(user: Any, query: str, *, limit: int = 50) -> list[int]:
    """Ids of the clients `user` may see matching `query` (a name, a date of birth, a phone or
    an id), best first."""
    scoped = clients_visible_to(user)
    query = (query or "").strip()[:200]
    if not query:
        return []
    date = parse_date(query)
    if date is not None:
        by_dob = scoped.filter(dob_index__in=dob_indexes_for(date)).order_by(
            "legal_last_name", "id"
        )
        return list(by_dob.values_list("id", flat=True)[:limit])
    if _PHONE_OR_ID.match(query):
        number = digits(query)
        if len(number) >= 10:
            by_phone = Q(phone_digits=number[-10:])  # indexed: numbers are stored as 10 digits
        elif len(number) >= 7:
            by_phone = Q(phone_digits__endswith=number)
        else:
            by_phone = Q(pk__in=[])
        by_id = Q(pk=int(number)) if 0 < len(number) < 19 else Q(pk__in=[])
        return list(scoped.filter(by_phone | by_id).values_list("id", flat=True)[:limit])
    words = fold(query).split()[:6]
    if not words:
        return []
    names = list(scoped.order_by().values_list("id", "search_name")[: SCORE_WHOLE_SCOPE + 1])
    if len(names) > SCORE_WHOLE_SCOPE:
        names = _candidates(user, scoped, words)
    scored = [(name_score(words, name), i) for i, name in names]
    scored = [item for item in scored if item[0] >= MIN_SCORE]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [i for _, i in scored[:limit]]
