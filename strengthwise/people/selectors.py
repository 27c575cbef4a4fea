"""Reads for clients: caseloads, search, duplicate candidates, the face sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from strengthwise.accounts.access import clients_visible_to, team_ids_for

from .duplicates import POSSIBLE, PersonKey, match_level, match_score, phonetic
from .models import Client, Episode
from .search import client_search_ids

CANDIDATE_LIMIT = 500


def _with_list_relations(qs: QuerySet[Client]) -> QuerySet[Client]:
    open_episodes = Episode.objects.filter(closed_on__isnull=True).select_related("program")
    return qs.select_related("team", "primary_worker").prefetch_related(
        Prefetch("episodes", queryset=open_episodes, to_attr="open_episodes")
    )


def client_caseload(*, visible_to: Any, scope: str = "mine") -> QuerySet[Client]:
    """The user's own caseload ("mine") or every client of their teams ("team")."""
    qs = clients_visible_to(visible_to)
    if scope == "mine":
        qs = qs.filter(primary_worker_id=visible_to.pk)
    else:
        qs = qs.filter(team_id__in=team_ids_for(visible_to))
    return _with_list_relations(qs.order_by("legal_last_name", "legal_first_name", "id"))


def client_list(*, visible_to: Any) -> QuerySet[Client]:
    """Every client the user may see, in name order."""
    return _with_list_relations(
        clients_visible_to(visible_to).order_by("legal_last_name", "legal_first_name", "id")
    )


def client_search(*, visible_to: Any, query: str, limit: int = 50) -> list[Client]:
    """Typo-tolerant search by name, date of birth, phone or id; best match first."""
    scoped = clients_visible_to(visible_to)
    ids = client_search_ids(scoped, query, limit=limit)
    if not ids:
        return []
    by_id = {c.pk: c for c in _with_list_relations(Client.objects.filter(pk__in=ids))}
    return [by_id[i] for i in ids if i in by_id]


@dataclass(frozen=True)
class DuplicateMatch:
    client: Client
    score: float
    level: str


def client_duplicate_candidates(
    *, agency_id: int, key: PersonKey, exclude_id: int | None = None, limit: int = 10
) -> list[DuplicateMatch]:
    """People in the whole agency who may be the same person as `key`, best first.

    Deliberately not scoped to the worker's caseload: a duplicate in another team is exactly
    what intake must catch. Callers show other teams' matches without opening them.
    """
    condition = Q()
    if key.dob:
        condition |= Q(date_of_birth=key.dob)
    for code in {phonetic(key.last), phonetic(key.first)} - {""}:
        condition |= Q(phonetic_last=code)
    if not condition:
        return []
    candidates = (
        Client.objects.filter(condition, agency_id=agency_id)
        .exclude(pk=exclude_id or 0)
        .select_related("team", "primary_worker")
        .order_by("id")[:CANDIDATE_LIMIT]
    )
    matches = []
    for client in candidates:
        other = PersonKey(
            client.legal_first_name,
            client.legal_last_name,
            client.date_of_birth,
            client.preferred_name,
        )
        score = match_score(key, other)
        if score >= POSSIBLE:
            matches.append(DuplicateMatch(client, score, match_level(score)))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


def client_face_sheet(*, client: Client) -> dict[str, Any]:
    """What the face sheet shows beyond the client row (caller passed the access gate)."""
    return {
        "household": list(client.household.all()),
        "episodes": list(client.episodes.select_related("program", "opened_by")),
    }
