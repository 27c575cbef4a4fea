"""Reads for notes and check-ins, always within what the user may see (accounts/access.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, Func, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import gettext

from strengthwise.accounts.access import access_client_object, client_scope_q, may_read_note
from strengthwise.accounts.models import Agency
from strengthwise.audit.services import audit_record
from strengthwise.core import language
from strengthwise.core.text import fold
from strengthwise.core.validation import parse_id
from strengthwise.people.models import Client
from strengthwise.plans import selectors as plan_selectors
from strengthwise.plans.models import Goal

from . import formats, services
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


def search(user: Any, query: str, *, client: Client | None = None) -> list[Note]:
    """Notes the user may see holding every word of the query as a word or the start of one
    (accents and case folded), best match first, then newest; at most SEARCH_LIMIT.

    Driven by the database's full-text index (migration 0004): FTS5 on SQLite, ranked by
    bm25; a GIN index on `to_tsvector('simple', search_text)` on PostgreSQL, ranked by
    `ts_rank`. The access rule (`client_scope_q`; drafts only for their author) is part of the
    ranking query, so the database applies it to the matched ids and a note outside the scope
    is never loaded. Two queries whatever the data (the user's teams are cached per request)."""
    words = fold(query).split()[:8]
    if not words:
        return []
    qs = Note.objects.filter(client_scope_q(user, "client__")).filter(
        Q(status=Note.Status.SIGNED) | Q(author=user)
    )
    if client is not None:
        qs = qs.filter(client=client)
    if connection.vendor == "postgresql":
        qs = _postgres_matches(qs, words)
    else:
        qs = _sqlite_matches(qs, words)
    # Rank the narrow rows (rank, date, id) first, then load only the page's notes: sorting
    # every match with its client and author columns costs more than the second query.
    ids = list(
        qs.order_by(F("match_rank").asc(), "-contact_date", "-id").values_list("id", flat=True)[
            :SEARCH_LIMIT
        ]
    )
    if not ids:
        return []
    page = Note.objects.select_related("client", "author")
    if client is not None:  # the client's notes page shows each note whole, as `notes_for`
        page = page.prefetch_related(*_NOTE_PARTS)
    found = page.in_bulk(ids)
    return [found[pk] for pk in ids]


def _sqlite_matches(qs: QuerySet[Note], words: list[str]) -> QuerySet[Note]:
    """The notes of `qs` the FTS5 index matches, with `match_rank` (bm25: lower is better).
    Folded words hold only letters and digits, so each quoted word is a literal prefix."""
    expression = " ".join(f'"{word}"*' for word in words)  # every word, each as a prefix
    # The ORM cannot join a virtual table: `extra` adds it to FROM and WHERE, leaving the
    # access rule and the ordering to the ORM.
    return qs.extra(
        tables=["notes_note_fts"],
        where=["notes_note_fts.rowid = notes_note.id", "notes_note_fts MATCH %s"],
        params=[expression],
    ).annotate(match_rank=RawSQL("notes_note_fts.rank", []))


class _NoteVector(Func):
    """`to_tsvector('simple', search_text)`: the expression of the GIN index (migration 0004)."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def _postgres_matches(qs: QuerySet[Note], words: list[str]) -> QuerySet[Note]:
    """The notes of `qs` the GIN index matches, with `match_rank` (negated `ts_rank`, length
    normalised, so that lower is better as on SQLite)."""
    tsquery = SearchQuery(
        " & ".join(f"{word}:*" for word in words), config="simple", search_type="raw"
    )
    return (
        qs.alias(search_vector=_NoteVector(F("search_text")))
        .filter(search_vector=tsquery)
        .annotate(match_rank=-SearchRank(F("search_vector"), tsquery, normalization=Value(1)))
    )


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
