"""Reads for notes and check-ins, always within what the user may see (accounts/access.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext

from strengthwise.accounts.access import client_scope_q
from strengthwise.core.text import fold
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal

from . import formats, language, services
from .models import CheckIn, ClientTerms, Note

SEARCH_LIMIT = 50


def notes_for(client: Client, user: Any) -> QuerySet[Note]:
    """The client's signed notes and the user's own drafts (other people's drafts are theirs
    until signed)."""
    return (
        Note.objects.filter(client=client)
        .filter(Q(status=Note.Status.SIGNED) | Q(author=user))
        .select_related("author", "signed_by")
        .prefetch_related(
            "addenda__author",
            Prefetch("goals", queryset=Goal.objects.only("id", "statement", "client_id")),
        )
    )


def search(user: Any, query: str, *, client: Client | None = None) -> list[Note]:
    """Notes the user may see whose text holds every word (accents and case folded)."""
    words = fold(query).split()[:8]
    if not words:
        return []
    qs = Note.objects.filter(client_scope_q(user, "client__")).filter(
        Q(status=Note.Status.SIGNED) | Q(author=user)
    )
    if client is not None:
        qs = qs.filter(client=client)
    for word in words:
        qs = qs.filter(search_text__contains=word)
    return list(
        qs.select_related("client", "author").order_by("-contact_date", "-id")[:SEARCH_LIMIT]
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
