"""Maintained due dates: the derived tasks of every client, kept in two tables so that the
day, the team view and the API read a page of them instead of deriving a whole caseload.

* `ClientDue` — one row per client: "this client's items are up to date", the scope they were
  computed in (agency, primary worker, team), whether the client is open (an open episode and
  not merged away) and the earliest due date.
* `DueItem` — one row per derived task as of the last refresh (kind, due date, what the title
  needs). The rules are those of `rules.py`; an item is shown when `due_on` is within
  `rules.LOOKAHEAD_DAYS` and, for a consent, `ends_on` has not passed — decided at read time,
  so the rows need no refresh as the days go by.

**Who refreshes.** `refresh_client_due(client_id)` recomputes one client inside the caller's
transaction. Signal receivers connected in `tasks/apps.py` call it (through
`refresh_if_tracked`: only for a client that has rows already), because the services that
change the dates live in lower apps that may not import `tasks`:

* `post_save`/`post_delete` of the models whose dates matter (Client, Episode, strengths
  assessment versions, SSM administrations, notes, plans, plan events, referrals, consents);
* `post_save` of an `AuditEvent` about a client whose action can change a due date (see
  `CHANGING`): the services that write with `QuerySet.update()` (transfers, merges, plan
  sign-off and approval, consent revocation, episode closure) send no model signal, but every
  write service records its audit event in the same transaction after its change;
* a program's or team's `post_save` refreshes every client of that program or team (the
  program's day settings are part of the rules).

**A client with no row** (a new client, a database from before this table, clients
bulk-inserted by `seed` or `demo`) is computed on the fly the first time a page reads the
scope that contains it, and stored (`ensure_fresh`): one query finds such clients whatever
their number, and nothing more is done when there are none. Receivers never create a row:
a row made while a client is being created would go stale when its episode is then
bulk-inserted (the demo and the test personas do that).
`strengthwise refresh-due` rebuilds every row in bulk (run it after `strengthwise seed`).

Known limit: a change written with `QuerySet.update()` or `bulk_create` and *no* audit event
about the client afterwards is not seen until the client's next refresh (every service audits
its writes, so only seeding and the demo's own dating do that, and they refresh after). The
face sheet reads the table too (`for_client`: one query instead of deriving the client again
on every view); `rules.for_client` stays the independent derivation the tests compare it with.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from strengthwise.accounts.access import CASEWORK_ROLES, client_scope_q, team_ids_for
from strengthwise.assessments.models import Kind, StrengthsAssessmentVersion
from strengthwise.notes.models import Note
from strengthwise.people.models import Client, Episode
from strengthwise.plans.models import Plan, PlanEvent
from strengthwise.questionnaires.models import QuestionnaireResponse
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Consent, Referral

from . import rules
from .models import ClientDue, DueItem

CHUNK = 500  # clients per bulk step (SQLite's parameter limit, memory)

# Audit actions (prefixes) after which a client's due dates may have changed.
CHANGING = (
    "client.",
    "episode.",
    "closure.",
    "strengths_assessment.",
    "ssm.",
    "note.",
    "plan.",
    "referral.",
    "consent.",
)
NOT_CHANGING_SUFFIXES = ("viewed", "exported", "duplicate_check", "listed", "searched")


def audit_action_changes_due(action: str) -> bool:
    return action.startswith(CHANGING) and not action.endswith(NOT_CHANGING_SUFFIXES)


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _program_days(client: Client, field: str, default: int) -> int:
    program = client.team.program if client.team_id else None
    return int(getattr(program, field, default) or default) if program else default


def _by_client(rows: Iterable[tuple[int, Any]]) -> dict[int, Any]:
    return {client_id: value for client_id, value in rows}


def compute(client_ids: list[int], *, today: dt.date | None = None) -> tuple[list[Any], list[Any]]:
    """The `ClientDue` and `DueItem` rows (unsaved) of these clients: nine queries however many
    clients (call it with at most CHUNK ids). Consents that ended before `today` give no item."""
    today = today or timezone.localdate()
    clients = list(Client.objects.filter(pk__in=client_ids).select_related("team__program"))
    ids = [c.pk for c in clients]
    opened = _by_client(
        Episode.objects.filter(client_id__in=ids, closed_on__isnull=True)
        .values("client_id")
        .annotate(first=Min("opened_on"))
        .values_list("client_id", "first")
    )
    strengths = _by_client(
        StrengthsAssessmentVersion.objects.filter(assessment__client_id__in=ids)
        .values("assessment__client_id")
        .annotate(last=Max("saved_at"))
        .values_list("assessment__client_id", "last")
    )
    ssm = _by_client(
        QuestionnaireResponse.objects.filter(client_id__in=ids, questionnaire__shipped=Kind.SSM)
        .values("client_id")
        .annotate(last=Max("answered_on"))
        .values_list("client_id", "last")
    )
    contact = _by_client(
        Note.objects.filter(client_id__in=ids, status=Note.Status.SIGNED)
        .values("client_id")
        .annotate(last=Max("contact_date"))
        .values_list("client_id", "last")
    )
    agreed = _by_client(
        PlanEvent.objects.filter(
            plan__client_id__in=ids,
            plan__status=Plan.Status.ACTIVE,
            kind__in=[PlanEvent.Kind.APPROVED, PlanEvent.Kind.CLIENT_AGREED],
        )
        .values("plan__client_id")
        .annotate(last=Max("at"))
        .values_list("plan__client_id", "last")
    )
    referrals: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for pk, client_id, requested_at in Referral.objects.filter(
        client_id__in=ids, status=workflow.REQUESTED, requested_at__isnull=False
    ).values_list("pk", "client_id", "requested_at"):
        referrals[client_id].append((pk, requested_at))
    consents: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for pk, client_id, until in Consent.objects.filter(
        client_id__in=ids, revoked_on__isnull=True, valid_until__gte=today
    ).values_list("pk", "client_id", "valid_until"):
        consents[client_id].append((pk, until))
    waiting: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
    for pk, client_id, updated_at in Plan.objects.filter(
        client_id__in=ids, status=Plan.Status.AWAITING_APPROVAL
    ).values_list("pk", "client_id", "updated_at"):
        waiting[client_id].append((pk, updated_at))

    summaries: list[ClientDue] = []
    items: list[DueItem] = []
    for c in clients:
        open_ = c.pk in opened and c.merged_into_id is None
        mine: list[DueItem] = []

        def item(
            kind: str, due: dt.date, c: Client = c, mine: list[DueItem] = mine, **extra: Any
        ) -> None:
            mine.append(
                DueItem(
                    agency_id=c.agency_id,
                    client_id=c.pk,
                    primary_worker_id=c.primary_worker_id,
                    team_id=c.team_id,
                    kind=kind,
                    due_on=due,
                    sort_name=c.display_name[:300],
                    **extra,
                )
            )

        if open_:
            start = opened[c.pk]
            last = max(
                (d for d in (rules._day(strengths.get(c.pk)), ssm.get(c.pk)) if d), default=None
            )
            if last is not None:
                every = _program_days(c, "reassessment_days", rules.DEFAULT_REASSESS_DAYS)
                item(rules.REASSESS, last + dt.timedelta(days=every), since=last)
            else:
                item(rules.REASSESS, start + dt.timedelta(days=rules.FIRST_ASSESSMENT_DAYS))
            agreed_on = rules._day(agreed.get(c.pk))
            if agreed_on is not None:
                every = _program_days(c, "plan_review_days", rules.DEFAULT_REVIEW_DAYS)
                item(rules.PLAN_REVIEW, agreed_on + dt.timedelta(days=every))
            last_contact = contact.get(c.pk)
            limit = _program_days(c, "no_contact_days", rules.DEFAULT_NO_CONTACT_DAYS)
            item(
                rules.NO_CONTACT,
                (last_contact or start) + dt.timedelta(days=limit),
                since=last_contact,
            )
            follow = _program_days(c, "referral_follow_up_days", rules.DEFAULT_FOLLOW_UP_DAYS)
            for pk, requested_at in referrals.get(c.pk, []):
                due = timezone.localdate(requested_at) + dt.timedelta(days=follow)
                item(rules.REFERRAL, due, referral_id=pk)
            for pk, until in consents.get(c.pk, []):
                due = until - dt.timedelta(days=rules.LOOKAHEAD_DAYS)
                item(rules.CONSENT, due, ends_on=until, consent_id=pk)
            for pk, updated_at in waiting.get(c.pk, []):
                item(rules.APPROVAL, rules._day(updated_at) or today, plan_id=pk)
        items.extend(mine)
        summaries.append(
            ClientDue(
                client_id=c.pk,
                agency_id=c.agency_id,
                primary_worker_id=c.primary_worker_id,
                team_id=c.team_id,
                open=open_,
                next_due=min((i.due_on for i in mine), default=None),
            )
        )
    return summaries, items


def refresh_clients(client_ids: Iterable[int], *, today: dt.date | None = None) -> int:
    """Recompute and store the rows of these clients (in bulk, CHUNK at a time), in the
    caller's transaction. Ids of clients that no longer exist are ignored. Returns how many
    clients were refreshed."""
    done = 0
    for chunk in _chunks(sorted(set(client_ids))):
        with transaction.atomic():
            # Two requests filling the same missing client one after the other, not
            # interleaved (PostgreSQL; SQLite's IMMEDIATE transactions already serialise).
            list(
                Client.objects.select_for_update(no_key=True).filter(pk__in=chunk).values_list("pk")
            )
            summaries, items = compute(chunk, today=today)
            DueItem.objects.filter(client_id__in=chunk).delete()
            DueItem.objects.bulk_create(items, batch_size=CHUNK)
            ClientDue.objects.bulk_create(
                summaries,
                batch_size=CHUNK,
                update_conflicts=True,
                unique_fields=["client"],
                update_fields=[
                    "agency",
                    "primary_worker",
                    "team",
                    "open",
                    "next_due",
                    "updated_at",
                ],
            )
        done += len(summaries)
    return done


def refresh_client_due(client_id: int) -> None:
    """Recompute one client's due dates (inside the caller's transaction)."""
    refresh_clients([client_id])


def refresh_if_tracked(client_id: int) -> None:
    """`refresh_client_due` for a client that has rows already; a client without is left to
    be computed when first read (the signal receivers call this: rows created by a receiver
    could be made stale by a bulk insert that follows, as seeding and the demo do)."""
    if ClientDue.objects.filter(client_id=client_id).exists():
        refresh_clients([client_id])


def for_client(client: Client, *, today: dt.date | None = None) -> list[rules.DerivedTask]:
    """The face sheet's "Due tasks": the client's stored items due within the week ahead (a
    consent not yet ended; no approvals, as `rules.for_client`), soonest first, the client
    computed first when it has no rows yet. The same tasks as `rules.for_client`."""
    today = today or timezone.localdate()
    if not ClientDue.objects.filter(client_id=client.pk).exists():
        refresh_clients([client.pk], today=today)
    urls = rules.Urls()
    return [
        rules.from_item(row, urls)
        for row in rules.item_rows()
        .filter(
            (Q(ends_on__isnull=True) | Q(ends_on__gte=today)),
            client_id=client.pk,
            due_on__lte=today + dt.timedelta(days=rules.LOOKAHEAD_DAYS),
        )
        .exclude(kind=rules.APPROVAL)
        .order_by("due_on", "kind", "id")
    ]


def ensure_fresh(user: Any, *, only: str | None = None) -> int:
    """Compute and store the rows of the clients in `user`'s scope that have none yet (one
    query when there are none). Returns how many were computed."""
    missing = list(
        Client.objects.filter(client_scope_q(user, only=only))
        .filter(~Exists(ClientDue.objects.filter(client_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    return refresh_clients(missing) if missing else 0


def scope_q(user: Any, *, only: str | None = None) -> Q:
    """`accounts.access.client_scope_q` on the scope columns of ClientDue and DueItem (the
    client's agency, primary worker and team as of its last refresh; merged clients have no
    items and are not open). `only` as there: "mine" or "teams"."""
    if (
        not getattr(user, "is_authenticated", False)
        or not user.agency_id
        or user.role not in CASEWORK_ROLES
    ):
        return Q(pk__in=[])
    teams = team_ids_for(user)
    mine = Q(agency_id=user.agency_id, primary_worker_id=user.pk)
    of_teams = Q(agency_id=user.agency_id, team_id__in=teams) if teams else Q(pk__in=[])
    if only == "mine":
        return mine
    if only == "teams":
        return of_teams
    return mine | of_teams if teams else mine


def items_q(user: Any, *, only: str | None, today: dt.date, approvals: bool) -> Q:
    """The items a user's day shows: in their scope, due within the week ahead, a consent not
    yet ended, approvals only for supervisors."""
    q = scope_q(user, only=only) & Q(due_on__lte=today + dt.timedelta(days=rules.LOOKAHEAD_DAYS))
    q &= Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    if not approvals:
        q &= ~Q(kind=rules.APPROVAL)
    return q
