"""Typo-tolerant client search over an access-scoped queryset.

SQLite: an FTS5 table with the trigram tokenizer (kept in step with `people_client` by
triggers, migration 0002). PostgreSQL: `pg_trgm` word similarity on a GIN index. Both backends
return up to `CANDIDATES` candidate ids from the index; they are then ranked in Python with the
same scorer, so results are ordered alike on both.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jellyfish
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import Q, QuerySet

from strengthwise.accounts.access import client_visible, clients_visible_to
from strengthwise.core.text import digits, fold

from .models import Client

CANDIDATES = 200
FTS_POOL = 500  # best-ranked index matches considered before access scoping (SQLite)
MIN_SCORE = 0.72
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
    """(id, search_name) of up to CANDIDATES clients the user may see, best index match first."""
    if connection.vendor == "sqlite":
        grams = _trigrams(words)
        if not grams:
            # Fewer than three letters: a plain prefix match is the best we can do.
            prefix = scoped.filter(search_name__startswith=words[0])
            return list(prefix.values_list("id", "search_name")[:CANDIDATES])
        fts_query = " OR ".join(f'"{g}"' for g in grams)
        # Rank in the FTS index alone, then keep the ids the user may see. (Letting SQLite
        # drive the MATCH from an `IN (scope)` list probes the index once per visible client.)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM people_client_fts WHERE people_client_fts MATCH %s "
                "ORDER BY rank LIMIT %s",
                [fts_query, FTS_POOL],
            )
            ranked = [row[0] for row in cursor.fetchall()]
        rows = Client.objects.filter(pk__in=ranked).values_list(
            "id", "search_name", "agency_id", "primary_worker_id", "team_id", "merged_into_id"
        )
        visible = {
            pk: name
            for pk, name, agency_id, worker_id, team_id, merged_into_id in rows
            if client_visible(
                user,
                agency_id=agency_id,
                primary_worker_id=worker_id,
                team_id=team_id,
                merged_into_id=merged_into_id,
            )
        }
        return [(i, visible[i]) for i in ranked if i in visible][:CANDIDATES]
    condition = Q()
    for word in words:
        condition |= Q(search_name__trigram_word_similar=word) | Q(search_name__startswith=word)
    best_first = scoped.filter(condition).annotate(
        similarity=TrigramWordSimilarity(" ".join(words), "search_name")
    )
    return list(
        best_first.order_by("-similarity", "id").values_list("id", "search_name")[:CANDIDATES]
    )


def client_search_ids(user: Any, query: str, *, limit: int = 50) -> list[int]:
    """Ids of the clients `user` may see matching `query` (a name, a date of birth, a phone or
    an id), best first."""
    scoped = clients_visible_to(user)
    query = (query or "").strip()[:200]
    if not query:
        return []
    date = parse_date(query)
    if date is not None:
        by_dob = scoped.filter(date_of_birth=date).order_by("legal_last_name", "id")
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
    scored = [(name_score(words, name), i) for i, name in _candidates(user, scoped, words)]
    scored = [item for item in scored if item[0] >= MIN_SCORE]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [i for _, i in scored[:limit]]
