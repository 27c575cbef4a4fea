"""Reads for clients: caseloads, search, duplicate candidates, the face sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.access import (
    client_scope_parts,
    client_scope_q,
    clients_visible_to,
    may_manage_client,
)
from strengthwise.accounts.models import Role, User
from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import DomainError

from .duplicates import POSSIBLE, PersonKey, dob_indexes_for, match_level, match_score, phonetic
from .models import Client, ClientMerge, Episode
from .search import client_search_ids

CANDIDATE_LIMIT = 500


def _with_list_relations(qs: QuerySet[Client]) -> QuerySet[Client]:
    open_episodes = Episode.objects.filter(closed_on__isnull=True).select_related("program")
    return qs.select_related("team", "primary_worker").prefetch_related(
        Prefetch("episodes", queryset=open_episodes, to_attr="open_episodes")
    )


def client_caseload(*, visible_to: Any, scope: str = "mine") -> QuerySet[Client]:
    """The user's own caseload ("mine") or every client of their teams ("team")."""
    qs = Client.objects.filter(
        client_scope_q(visible_to, only="mine" if scope == "mine" else "teams")
    )
    return _with_list_relations(qs.order_by("legal_last_name", "legal_first_name", "id"))


LIST_SCOPES = {"all": None, "mine": "mine", "team": "teams"}  # name → `client_scope_q(only=)`
_NAME_ORDER = ("legal_last_name", "legal_first_name", "id")


class InvalidCursor(DomainError):
    """`after` is not a client the user may see: a list cursor only comes from a page."""


@dataclass(frozen=True)
class ClientListPage:
    clients: list[Client]
    next_after: int | None  # the last client shown, when more follow: `after=` of the next page


def client_list_page(
    *, visible_to: Any, scope: str = "all", after: int | None = None, size: int = 25
) -> ClientListPage:
    """One page of the clients the user may see, in name order (last name, first name, id):
    every one (`scope="all"`), their own caseload ("mine") or their teams' clients ("team"),
    starting after the client `after` (the `next_after` of the page before). Keyset
    pagination: nothing counts or sorts the whole scope. Each part of the scope (own caseload,
    each team: `client_scope_parts`) gives its first `size + 1` rows from its agency-first
    index in name order; the parts are merged, and only the page's rows are loaded with their
    relations. Raises InvalidCursor when `after` is not a client the user may see (the cursor
    says where in the name order to start, so it must not come from outside the scope)."""
    parts = client_scope_parts(visible_to, only=LIST_SCOPES[scope])
    if not parts:
        return ClientListPage([], None)
    keyset = Q()
    if after is not None:
        key = (
            Client.objects.filter(client_scope_q(visible_to), pk=after)
            .values_list(*_NAME_ORDER)
            .first()
        )
        if key is None:
            raise InvalidCursor(gettext("This list cannot continue from there: start again."))
        last, first, pk = key
        keyset = Q(legal_last_name__gte=last) & (
            Q(legal_last_name__gt=last)
            | Q(legal_last_name=last, legal_first_name__gt=first)
            | Q(legal_last_name=last, legal_first_name=first, pk__gt=pk)
        )
    ids = _first_in_name_order(
        [Client.objects.filter(part).filter(keyset) for part in parts], size + 1
    )
    more = len(ids) > size
    ids = ids[:size]
    by_id = {c.pk: c for c in _with_list_relations(Client.objects.filter(pk__in=ids))}
    return ClientListPage([by_id[i] for i in ids], ids[-1] if more else None)


def _first_in_name_order(parts: list[QuerySet[Client]], limit: int) -> list[int]:
    """Ids of the first `limit` clients of the union of `parts`, in name order: one query,
    each part limited in its own index order before the union (Django's ORM cannot slice the
    parts of a union on SQLite, so the statement is put together from each part's SQL)."""
    ordered = [p.order_by(*_NAME_ORDER).values_list(*_NAME_ORDER)[:limit] for p in parts]
    if len(ordered) == 1:
        return [row[2] for row in ordered[0]]
    selects: list[str] = []
    params: list[Any] = []
    for n, part in enumerate(ordered):
        sql, part_params = part.query.sql_with_params()
        selects.append(f"SELECT * FROM ({sql}) AS part{n}")  # noqa: S608 (ORM-made SQL)
        params.extend(part_params)
    union = " UNION ".join(selects)
    statement = (
        f"SELECT id FROM ({union}) AS scope "  # noqa: S608 (ORM-made SQL, no user text)
        "ORDER BY legal_last_name, legal_first_name, id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, limit])
        return [row[0] for row in cursor.fetchall()]


def client_search(*, visible_to: Any, query: str, limit: int = 50) -> list[Client]:
    """Typo-tolerant search by name, date of birth, phone or id; best match first."""
    ids = client_search_ids(visible_to, query, limit=limit)
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
        condition |= Q(dob_index__in=dob_indexes_for(key.dob))
    for code in {phonetic(key.last), phonetic(key.first)} - {""}:
        condition |= Q(phonetic_last=code)
    if not condition:
        return []
    candidates = (
        Client.objects.filter(condition, agency_id=agency_id, merged_into__isnull=True)
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


def duplicate_match_summaries(
    *, visible_to: Any, matches: list[DuplicateMatch]
) -> list[dict[str, Any]]:
    """What a user may be told about each match: everything for records they may open; for
    any other record only that a possible match exists on another team (no name, no date of
    birth, no id), so that intake cannot be used to look people up."""
    visible = set(
        clients_visible_to(visible_to)
        .filter(pk__in=[m.client.pk for m in matches])
        .values_list("pk", flat=True)
    )
    summaries = []
    for m in matches:
        if m.client.pk in visible:
            summaries.append(
                {
                    "visible": True,
                    "id": m.client.pk,
                    "name": m.client.display_name,
                    "date_of_birth": m.client.date_of_birth,
                    "team": m.client.team.name,
                    "score": m.score,
                    "level": m.level,
                }
            )
        else:
            summaries.append(
                {
                    "visible": False,
                    "id": None,
                    "name": None,
                    "date_of_birth": None,
                    "team": m.client.team.name,
                    "score": m.score,
                    "level": m.level,
                }
            )
    return summaries


def client_face_sheet(*, client: Client) -> dict[str, Any]:
    """What the face sheet shows beyond the client row (caller passed the access gate)."""
    return {
        "household": list(client.household.all()),
        "episodes": list(client.episodes.select_related("program", "opened_by")),
    }


def client_merges(*, client: Client) -> list[ClientMerge]:
    """The merges into this client, newest first (caller passed the access gate). The
    records and people named are fetched only when there are merges (rare): joining them
    to every face sheet's empty answer cost a query compilation of ~80 columns."""
    return list(
        ClientMerge.objects.filter(survivor=client).prefetch_related(
            "duplicate", "merged_by", "undone_by"
        )
    )


def merge_rows(*, rows: dict[str, dict[str, list[Any]]]) -> list[tuple[str, list[str]]]:
    """[(what, [row descriptions])] for rows recorded on a merge (one query per model)."""
    described = []
    for label, fields in sorted(rows.items()):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        pks = [pk for ids in fields.values() for pk in ids]
        found = [str(row) for row in model._base_manager.filter(pk__in=pks).order_by("pk")]
        if found:
            described.append((str(model._meta.verbose_name_plural), found))
    return described


def merge_counts(*, rows: dict[str, dict[str, list[Any]]]) -> list[tuple[str, int]]:
    """[(what, how many)] for rows recorded on a merge, without loading them."""
    counts = []
    for label, fields in sorted(rows.items()):
        try:
            what = str(apps.get_model(label)._meta.verbose_name_plural)
        except LookupError:
            what = label
        counts.append((what, sum(len(ids) for ids in fields.values())))
    return counts


def client_merge_candidates(*, visible_to: Any, client: Client, limit: int = 5) -> list[Client]:
    """Likely or possible duplicates of `client` that `visible_to` may merge with it."""
    matches = client_duplicate_candidates(
        agency_id=client.agency_id,
        key=PersonKey(
            client.legal_first_name,
            client.legal_last_name,
            client.date_of_birth,
            client.preferred_name,
        ),
        exclude_id=client.pk,
        limit=50,
    )
    return [
        m.client
        for m in matches
        if may_manage_client(
            visible_to,
            agency_id=m.client.agency_id,
            team_id=m.client.team_id,
            merged_into_id=m.client.merged_into_id,
        )
    ][:limit]


# --- who has looked at a record ---------------------------------------------------------------

# Read events about one record, and what each means in plain words (the client reads these).
READ_ACTIONS: dict[str, Any] = {
    "client.viewed": _("opened your record"),
    "client.read": _("opened your record"),
    "assessments.viewed": _("looked at your strengths and assessments"),
    "plan.viewed": _("looked at your plan"),
    "goal.viewed": _("looked at one of your goals"),
    "note.viewed": _("read a note about a meeting with you"),
    "referral.viewed": _("looked at a referral"),
    "closure.viewed": _("looked at the summary of your time with us"),
    "tasks.viewed": _("looked at what is due for you"),
    "directory.searched_for_client": _("looked for services for you"),
    "referral.partner_viewed": _("opened the referral you agreed to"),
    "client.exported": _("exported your record"),
}
ACCESS_LOG_LIMIT = 200


@dataclass(frozen=True)
class AccessLogEntry:
    at: Any
    who: str
    role: str
    what: str
    partner: bool


def access_log(*, client: Client, limit: int = ACCESS_LOG_LIMIT) -> list[AccessLogEntry]:
    """Who opened this person's record, newest first: staff (name and role) and receiving
    organisations through a referral link. A client's own actions are not in it, and neither
    are other people's records (the audit trail's per-client index)."""
    events = list(
        AuditEvent.objects.filter(client_id=client.pk, action__in=list(READ_ACTIONS))
        .order_by("-at", "-seq")
        .values("at", "actor_id", "actor_label", "action")[:limit]
    )
    staff = {
        u.pk: u
        for u in User.objects.filter(pk__in={e["actor_id"] for e in events if e["actor_id"]})
    }
    roles = dict(Role.choices)
    entries = []
    for e in events:
        user = staff.get(e["actor_id"])
        partner = e["action"] == "referral.partner_viewed"
        entries.append(
            AccessLogEntry(
                at=e["at"],
                who=user.label if user else e["actor_label"],
                role=str(roles.get(user.role, "")) if user else "",
                what=str(READ_ACTIONS[e["action"]]),
                partner=partner,
            )
        )
    return entries
