"""Reads for notes and check-ins, always within what the user may see (accounts/access.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Func, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import gettext

from strengthwise.accounts.access import access_client_object, client_scope_q, may_read_note
from strengthwise.accounts.models import Agency
from strengthwise.audit.services import audit_record
from strengthwise.core import keyset, language
from strengthwise.core.validation import parse_id
from strengthwise.people.models import Client
from strengthwise.plans import selectors as plan_selectors
from strengthwise.plans.models import Goal

from . import formats, services, word_index
from .models import CheckIn, ClientTerms, LanguageTerm, Note

SEARCH_LIMIT = 50
# What a whole note shows beside its sections (prefetched, so a list costs the same queries).
_NOTE_PARTS = (
    "addenda__author",
    Prefetch("goals", queryset=Goal.objects.only("id", "statement", "client_id")),
)


def notes_for(client: Client, user: Any) -> QuerySet[Note]:
    """The client's signed notes and the user's own drafts (other people's drafts are theirs
    until signed)."""
    return (
        Note.objects.filter(client=client)
        .filter(Q(status=Note.Status.SIGNED) | Q(author=user))
        .select_related("author", "signed_by")
        .prefetch_related(*_NOTE_PARTS)
    )


NOTE_ORDER = ("-contact_date", "-id")


def note_page(
    *, visible_to: Any, client: Client, limit: int = keyset.DEFAULT_LIMIT, cursor: str = ""
) -> keyset.KeysetPage[Note]:
    """A page of `notes_for` the client (opened through `access_client`), newest contact
    first (then newest id); `cursor` is the `next_cursor` of the page before. Raises
    keyset.InvalidCursor for a cursor this list did not give out."""
    return keyset.keyset_page(
        notes_for(client, visible_to),
        order=NOTE_ORDER,
        scope=f"notes:{client.pk}",
        limit=limit,
        cursor=cursor,
    )


def search(user: Any, query: str, *, client: Client | None = None) -> list[Note]:
    """Notes the user may see holding every word of the query as a word or the start of one
    (accents and case folded), best match first, then newest; at most SEARCH_LIMIT.

    Over the notes' blind tokens (`word_index`: keyed tokens, never words): a note matches
    when it holds the start token of every query word, tested on each note of a small scope
    or through the full-text indexes (migrations 0004 and 0007) for a large one; whole-word
    matches rank it (bm25 on SQLite, `ts_rank` on PostgreSQL, over the word tokens), then the
    newest come first. The access rule (`client_scope_q`; drafts only for their author) is
    part of the ranking query, so the database applies it to the matched ids and a note
    outside the scope is never loaded. Three queries whatever the data (the scope's size, the
    ranked ids, the notes; the user's teams are cached per request)."""
    agency_id = getattr(user, "agency_id", None)
    terms = word_index.query_terms(agency_id, query) if agency_id else []
    if not terms:
        return []
    qs = Note.objects.filter(client_scope_q(user, "client__")).filter(
        Q(status=Note.Status.SIGNED) | Q(author=user)
    )
    if client is not None:
        qs = qs.filter(client=client)
    if connection.vendor == "postgresql":
        ids = _postgres_ranked(qs, terms)
    else:
        ids = _sqlite_ranked(qs, terms)
    if not ids:
        return []
    page = Note.objects.select_related("client", "author")
    if client is not None:  # the client's notes page shows each note whole, as `notes_for`
        page = page.prefetch_related(*_NOTE_PARTS)
    found = page.in_bulk(ids)
    return [found[pk] for pk in ids]


def _fts_any(tokens: list[str]) -> str:
    # Tokens are lowercase letters only (`word_index`): each is a literal FTS5 string.
    return "(" + " OR ".join(f'"{token}"' for token in tokens) + ")"


# The matches in scope (`_sqlite_ranked`), ranked by bm25 over the word tokens.
# The word index drives the ranking join (CROSS JOIN keeps it outside: bm25's statistics are
# gathered once, not once per note in scope); a note matching only by the start of a word
# ranks after the whole-word matches (rank 0; bm25 ranks are negative).
_SQLITE_RANKED = (
    "WITH matched AS MATERIALIZED ({matched}) "
    "SELECT id FROM ("
    "SELECT m.id AS id, notes_note_fts.rank AS r, m.contact_date AS d "
    "FROM notes_note_fts CROSS JOIN matched AS m "
    "WHERE notes_note_fts MATCH %s AND m.id = notes_note_fts.rowid "
    "UNION ALL SELECT id, 0.0, contact_date FROM matched"
    ") GROUP BY id ORDER BY MIN(r), MAX(d) DESC, id DESC LIMIT %s"
)


# Up to this many notes in the reader's scope, each is matched on its own start tokens; past
# it, the start tokens' full-text index lists the agency's matches for the scope to be checked
# against.
FEW_IN_SCOPE = 10_000


def _few_in_scope(qs: QuerySet[Note]) -> bool:
    """Whether `qs` holds at most FEW_IN_SCOPE notes, counted up to one more (a millisecond at
    most, through the client indexes)."""
    return qs.order_by().values("id")[: FEW_IN_SCOPE + 1].count() <= FEW_IN_SCOPE


def _holding_starts(qs: QuerySet[Note], terms: list[tuple[list[str], list[str]]]) -> QuerySet[Note]:
    """The notes of `qs` holding a start token of every query word, each note matched on its own
    start tokens (`search_starts`: tokens of lowercase letters, one space apart): a substring
    test costing microseconds a note, where building the note's vector (PostgreSQL) costs tens.
    Nothing indexes it, so the scope drives: for a scope of FEW_IN_SCOPE notes at most."""
    find = "instr" if connection.vendor == "sqlite" else "strpos"
    spaced = "(' ' || notes_note.search_starts || ' ')"
    # The ORM writes no substring test: `extra` adds it, leaving the access rule to the ORM.
    where = [
        " OR ".join(f"{find}({spaced}, %s) > 0" for _ in start_tokens) for start_tokens, _ in terms
    ]
    params = [f" {token} " for start_tokens, _ in terms for token in start_tokens]
    return qs.extra(where=where, params=params)  # noqa: S610 - parameters only


def _sqlite_ranked(qs: QuerySet[Note], terms: list[tuple[list[str], list[str]]]) -> list[int]:
    """The best SEARCH_LIMIT ids of the notes of `qs` holding a start token of every word.

    The notes in scope drive (through the client indexes). How each is matched depends on how
    many there are (`_few_in_scope`): a few (a worker's caseload and team), and each is matched
    on its own start tokens (`_holding_starts`), so the cost follows the scope, not the agency;
    many (a supervisor's teams), and the FTS index lists the agency's matches once for the
    scope's notes to be checked against (a common word: 150,000 notes at 100,000 clients,
    40 ms). Both give the same notes: tests/test_search.py runs every test both ways."""
    words = " OR ".join(_fts_any(word_tokens) for _, word_tokens in terms)
    if _few_in_scope(qs):
        matched = _holding_starts(qs, terms)
    else:  # (`+` keeps SQLite from driving by the listed ids; a MATCH the ORM cannot write)
        starts = " AND ".join(_fts_any(start_tokens) for start_tokens, _ in terms)
        matched = qs.extra(  # noqa: S610 - parameters only
            where=[
                "+notes_note.id IN (SELECT rowid FROM notes_note_starts "
                "WHERE notes_note_starts MATCH %s)"
            ],
            params=[starts],
        )
    rows = matched.order_by().values("id", "contact_date")
    try:
        sql, sql_params = rows.query.sql_with_params()
    except EmptyResultSet:  # nothing in scope (a program manager, an admin)
        return []
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_RANKED.format(matched=sql), [*sql_params, words, SEARCH_LIMIT])
        return [row[0] for row in cursor.fetchall()]


class _NoteVector(Func):
    """`to_tsvector('simple', …)`: the expression of the GIN index (migration 0007)."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


# The word tokens' vector, stored by PostgreSQL beside each note (migration 0008): ranking reads
# it instead of parsing every match's tokens again.
_STORED_WORD_VECTOR = RawSQL('"notes_note"."search_vector"', [], output_field=SearchVectorField())


def _postgres_ranked(qs: QuerySet[Note], terms: list[tuple[list[str], list[str]]]) -> list[int]:
    """The best SEARCH_LIMIT ids of the notes of `qs` holding a start token of every word,
    ranked by `ts_rank` (length normalised) over the word tokens' stored vector. As on SQLite,
    a few notes in scope are each matched on their own start tokens (`_holding_starts`: at
    100,000 clients a worker's search took 100–160 ms building each note's vector, 13 ms
    with the substring test); many, through the GIN index on the start tokens."""
    if _few_in_scope(qs):
        matched = _holding_starts(qs, terms)
    else:
        starts = SearchQuery(
            " & ".join("(" + " | ".join(start_tokens) + ")" for start_tokens, _ in terms),
            config="simple",
            search_type="raw",
        )
        matched = qs.alias(starts_vector=_NoteVector(F("search_starts"))).filter(
            starts_vector=starts
        )
    words = SearchQuery(
        " | ".join(token for _, word_tokens in terms for token in word_tokens),
        config="simple",
        search_type="raw",
    )
    ranked = matched.annotate(
        match_rank=SearchRank(_STORED_WORD_VECTOR, words, normalization=Value(1))
    ).order_by(F("match_rank").desc(), "-contact_date", "-id")
    return list(ranked.values_list("id", flat=True)[:SEARCH_LIMIT])


def own_terms(client: Client) -> list[str]:
    row = ClientTerms.objects.filter(client=client).first()
    return row.term_list() if row else []


def findings(
    note: Note, terms: tuple[language.Term, ...], preferred: list[str]
) -> dict[str, list[language.Finding]]:
    """Language suggestions per section of the note's format (nothing is ever rewritten)."""
    matcher = language.matcher_for(terms)
    someone_else = gettext("someone else")
    return {
        key: [
            dataclasses.replace(f, quotation=someone_else)
            if f.quotation == language.SOMEONE_ELSE
            else f
            for f in matcher.flag(
                note.sections.get(key, ""),
                preferred=preferred,
                quotes=quotes_in(note, key),
                unmarked=note.unmarked_quotes_by,
            )
        ]
        for key in formats.sections_of(note.format)
    }


def quotes_in(note: Note, section: str) -> list[language.Quote]:
    """Whose words the quotations of one section are, as the writer marked them."""
    return [
        language.Quote(text=q["text"], by=q["by"], who=q.get("who", ""))
        for q in note.quotes
        if q.get("section") == section
    ]


def note_findings(note: Note) -> dict[str, list[language.Finding]]:
    return findings(note, services.language_terms(note.client.agency), own_terms(note.client))


def checkins_for(goal: Goal) -> list[CheckIn]:
    return list(CheckIn.objects.filter(goal=goal).order_by("checked_on", "id"))


def checkin_page(
    *, visible_to: Any, goal: Goal, limit: int = keyset.DEFAULT_LIMIT, cursor: str = ""
) -> keyset.KeysetPage[CheckIn]:
    """A page of the check-ins on a goal the user opened (`goal_for_progress`), oldest first.
    Raises keyset.InvalidCursor for a cursor this list did not give out."""
    return keyset.keyset_page(
        CheckIn.objects.filter(goal=goal),
        order=("checked_on", "id"),
        scope=f"checkins:{goal.pk}",
        limit=limit,
        cursor=cursor,
    )


def goals_to_link(*, client: Client) -> list[tuple[int, str]]:
    """The client's active goals as (id, statement), for the note form."""
    return [(g.pk, g.statement) for g in plan_selectors.active_goals(client=client)]


def note_of(
    *,
    visible_to: Any,
    note_id: Any,
    client: Client | None = None,
    write: bool = False,
    read: bool = False,
    request: Any = None,
) -> Note:
    """A note through the access gate — someone else's draft answers 404 like a missing
    note — and, with `client`, only one of that client's. `read=True` records that the
    response shows it ("note.viewed", the note as its target)."""
    note: Note = access_client_object(
        visible_to, Note, note_id, client=client, write=write, request=request
    )
    if not may_read_note(visible_to, note):
        raise Http404("Not found")  # someone else's draft is theirs until signed
    if read:
        audit_record(actor=visible_to, action="note.viewed", target=note, request=request)
    return note


def goal_for_progress(
    *,
    visible_to: Any,
    goal_id: Any,
    client: Client | None = None,
    write: bool = False,
    read: bool = False,
    request: Any = None,
) -> Goal:
    """A goal whose progress (check-ins) is read or recorded, through the access gate; with
    `client`, only one of that client's (else 404). `read=True` records that the response
    shows its progress ("goal.progress_viewed", the goal as its target)."""
    goal: Goal = access_client_object(
        visible_to, Goal, goal_id, client=client, write=write, request=request
    )
    if read:
        audit_record(actor=visible_to, action="goal.progress_viewed", target=goal, request=request)
    return goal


def notes_about_goal(*, visible_to: Any, goal: Goal, limit: int = 20) -> list[Note]:
    """The newest notes linked to a goal that the user may read."""
    return list(
        notes_for(goal.client, visible_to).filter(goals=goal).order_by("-contact_date")[:limit]
    )


def search_recorded(*, visible_to: Any, query: str, request: Any = None) -> list[Note]:
    """`search` across every client the user may see; such a search is audited
    ("notes.searched", with the number of results and the clients whose notes it showed)."""
    results = search(visible_to, query)
    audit_record(
        actor=visible_to,
        action="notes.searched",
        target_type="notes",
        changes={
            "results": [None, len(results)],
            "clients": [None, sorted({note.client_id for note in results})],
        },
        request=request,
    )
    return results


def language_term_of(*, agency: Agency, term_id: Any) -> LanguageTerm | None:
    """One term of the agency's language list; None for an empty or unknown id."""
    pk = parse_id(term_id)
    return LanguageTerm.objects.filter(agency=agency, pk=pk).first() if pk else None


def language_list(*, agency: Agency) -> QuerySet[LanguageTerm]:
    """The agency's language list: active terms first, then alphabetical."""
    return LanguageTerm.objects.filter(agency=agency).order_by("-active", "term")
