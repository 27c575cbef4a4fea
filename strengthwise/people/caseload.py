"""Caseload management: transfer one client, or split a departing worker's caseload.

Services (writes) follow the house rules: keyword-only, `acting_user`, one transaction, the
audit events in the same transaction. The reads the pages need to offer choices (which
workers and teams a user may assign to) live beside them.

Who may: a supervisor for the clients of the teams they supervise, to workers who are members
of those teams; an agency admin for every client of the agency, to any case worker or
supervisor of the agency who belongs to a team. Case workers may not reassign: a worker who
can see the client is told so (403); anyone else gets the same 404 as for a missing record.

A reassignment changes the client's primary worker and, when the new worker is not a member
of the client's team, the team (to the new worker's first team the actor manages). It does not
bump the client's `version`: the edit form's optimistic lock guards the person's details, not
their assignment. The confidential address follows the assignment: only the (new) primary
worker sees it (`accounts.access.can_see_confidential_address`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.access import (
    CASEWORK_ROLES,
    client_manage_q,
    may_manage_caseloads,
    may_manage_client,
    supervised_team_ids,
)
from strengthwise.accounts.models import Membership, Role, Team, User
from strengthwise.audit.services import audit_record
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.validation import refuse_nul

from .models import Client

REASON_MAX = 500
PLAN_MAX = 5000  # clients in one reassignment: far above any real caseload

Plan = list[tuple[Client, User]]


class NotAllowed(DomainError):
    """The user can see the record but may not do this to it."""

    status_code = 403


class StalePlan(Conflict):
    """Some clients changed worker since the reassignment was previewed; nothing changed."""


# --- who may ----------------------------------------------------------------------------------


def check_may_transfer(*, acting_user: User, client: Client) -> None:
    """Raise NotAllowed unless `acting_user` may change this client's worker and team."""
    if not may_manage_client(
        acting_user,
        agency_id=client.agency_id,
        team_id=client.team_id,
        merged_into_id=client.merged_into_id,
    ):
        raise NotAllowed(
            _(
                "Only a supervisor of this client's team or an agency admin can transfer "
                "this client."
            )
        )


def _check_manager(acting_user: User) -> None:
    if not may_manage_caseloads(acting_user):
        raise NotAllowed(_("Only supervisors and agency admins reassign caseloads."))


def assignable_team_ids(acting_user: User) -> list[int]:
    """The teams `acting_user` may move clients into: the teams they supervise, or (an admin)
    every team of the agency."""
    if not acting_user.agency_id:
        return []
    if acting_user.role == Role.ADMIN:
        return list(
            Team.objects.filter(agency_id=acting_user.agency_id)
            .order_by("id")
            .values_list("id", flat=True)
        )
    if acting_user.role == Role.SUPERVISOR:
        return supervised_team_ids(acting_user)
    return []


def assignable_teams(*, acting_user: User) -> list[Team]:
    return list(Team.objects.filter(pk__in=assignable_team_ids(acting_user)).order_by("name"))


def assignable_workers(*, acting_user: User) -> list[User]:
    """Active case workers and supervisors who are members of a team `acting_user` manages,
    each annotated with `caseload_size` (their clients across the agency), by name."""
    team_ids = assignable_team_ids(acting_user)
    if not team_ids:
        return []
    return list(
        User.objects.filter(
            agency_id=acting_user.agency_id,
            role__in=CASEWORK_ROLES,
            is_active=True,
            pk__in=Membership.objects.filter(team_id__in=team_ids).values("user_id"),
        )
        .annotate(caseload_size=Count("caseload", filter=Q(caseload__merged_into__isnull=True)))
        .order_by("display_name", "username", "id")
    )


def departing_workers(*, acting_user: User) -> list[User]:
    """Workers whose clients `acting_user` may reassign: everyone with a client in the teams
    they manage (also someone who has already left the team), plus the team members; each
    with `managed_clients`, the number of their clients `acting_user` manages."""
    if not may_manage_caseloads(acting_user):
        return []
    managed = client_manage_q(acting_user, "caseload__")
    team_ids = assignable_team_ids(acting_user)
    return list(
        User.objects.filter(agency_id=acting_user.agency_id)
        .filter(
            Q(pk__in=Client.objects.filter(client_manage_q(acting_user)).values("primary_worker"))
            | Q(
                role__in=CASEWORK_ROLES,
                pk__in=Membership.objects.filter(team_id__in=team_ids).values("user_id"),
            )
        )
        .annotate(managed_clients=Count("caseload", filter=managed))
        .order_by("display_name", "username", "id")
    )


def workers_by_id(*, acting_user: User, ids: Iterable[int]) -> dict[int, User]:
    """Users of the acting user's agency with these ids (other agencies' users are unknown)."""
    wanted = {i for i in ids if isinstance(i, int) and 0 < i < 2**63}
    if not wanted or not acting_user.agency_id:
        return {}
    return User.objects.filter(agency_id=acting_user.agency_id, pk__in=wanted).in_bulk()


def _worker_teams(worker_ids: Iterable[int], team_ids: list[int]) -> dict[int, list[int]]:
    """{worker id: the managed teams they belong to, lowest id first}, in one query."""
    found: dict[int, list[int]] = {}
    rows = (
        Membership.objects.filter(user_id__in=set(worker_ids), team_id__in=team_ids)
        .order_by("team_id")
        .values_list("user_id", "team_id")
    )
    for user_id, team_id in rows:
        found.setdefault(user_id, []).append(team_id)
    return found


def _check_receiver(acting_user: User, worker: User, worker_teams: list[int]) -> None:
    if (
        worker.agency_id != acting_user.agency_id
        or worker.role not in CASEWORK_ROLES
        or not worker.is_active
        or not worker_teams
    ):
        message = _("%(name)s is not a case worker on a team you manage.") % {"name": worker.label}
        raise DomainError(message, field_errors={"to_worker": [message]})


def _team_for(current_team_id: int, worker_teams: list[int], to_team_id: int | None) -> int:
    """The team a client joins with a new worker: the chosen one, else the client's own team
    when the worker belongs to it, else the worker's first team the actor manages."""
    if to_team_id is not None:
        if to_team_id not in worker_teams:
            raise DomainError(
                _("The worker is not a member of that team."),
                field_errors={"to_team": [_("Choose a team the worker belongs to.")]},
            )
        return to_team_id
    if current_team_id in worker_teams:
        return current_team_id
    return worker_teams[0]


def _reason(reason: str) -> str:
    refuse_nul({"reason": reason})
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(
            _("Say why, for the record."),
            field_errors={"reason": [_("Give a reason; it is kept in the audit trail.")]},
        )
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("The reason is too long."),
            field_errors={"reason": [_("Keep the reason under 500 characters.")]},
        )
    return reason


def _move(
    *,
    acting_user: User,
    client: Client,
    to_worker: User,
    team: Team,
    reason: str,
    via: str,
    request: HttpRequest | None,
) -> dict[str, Any]:
    """Write one client's new assignment and its `client.reassigned` event."""
    before_worker = client.primary_worker
    before_team = client.team
    Client.objects.filter(pk=client.pk).update(
        primary_worker_id=to_worker.pk, team_id=team.pk, updated_at=timezone.now()
    )
    changes = {
        "primary_worker": [before_worker.label if before_worker else None, to_worker.label],
        "primary_worker_id": [client.primary_worker_id, to_worker.pk],
        "team": [before_team.name, team.name],
        "team_id": [client.team_id, team.pk],
        "reason": [None, reason],
        "via": [None, via],
    }
    client.primary_worker = to_worker
    client.team = team
    audit_record(
        actor=acting_user,
        action="client.reassigned",
        target=client,
        changes=changes,
        request=request,
    )
    return changes


# --- one client -------------------------------------------------------------------------------


def client_transfer(
    *,
    acting_user: User,
    client: Client,
    to_worker: User,
    to_team: Team | None = None,
    reason: str,
    request: HttpRequest | None = None,
) -> Client:
    """Give a client a new primary worker (and team); audited as `client.reassigned`.

    `to_team` defaults to the client's team when the new worker belongs to it, else to the
    worker's first team the actor manages. Raises NotAllowed (403) for anyone but a supervisor
    of the client's team or an agency admin, DomainError for a worker or team they may not
    assign to, or when nothing would change.
    """
    reason = _reason(reason)
    with transaction.atomic():
        current = (
            Client.objects.select_for_update(of=("self",))
            .select_related("team", "primary_worker")
            .get(pk=client.pk)
        )
        check_may_transfer(acting_user=acting_user, client=current)
        team_ids = assignable_team_ids(acting_user)
        worker_teams = _worker_teams([to_worker.pk], team_ids).get(to_worker.pk, [])
        _check_receiver(acting_user, to_worker, worker_teams)
        team_id = _team_for(current.team_id, worker_teams, to_team.pk if to_team else None)
        if to_worker.pk == current.primary_worker_id and team_id == current.team_id:
            raise DomainError(
                _("%(name)s is already this client's worker on that team.")
                % {"name": to_worker.label},
                field_errors={"to_worker": [_("Choose another worker or team.")]},
            )
        team = to_team if to_team is not None else Team.objects.get(pk=team_id)
        _move(
            acting_user=acting_user,
            client=current,
            to_worker=to_worker,
            team=team,
            reason=reason,
            via="transfer",
            request=request,
        )
    return current


# --- a whole caseload -------------------------------------------------------------------------


def reassignment_preview(
    *,
    acting_user: User,
    from_worker: User,
    to_workers: Sequence[User],
    clients: Iterable[Client] | None = None,
) -> Plan:
    """Split `from_worker`'s clients (those the actor manages, or just `clients`) across
    `to_workers`, balancing by caseload size: each client, in name order, goes to the
    receiving worker with the fewest clients so far (their current caseload across the agency
    plus what this plan gives them; ties go to the lower user id). Deterministic: the same
    data gives the same plan. Writes nothing.

    The plan is a list of (client, to_worker); each client is as it was read, so
    `reassignment_apply` can tell whether it changed worker since.
    """
    _check_manager(acting_user)
    if from_worker.agency_id != acting_user.agency_id:
        raise DomainError(
            _("Choose a worker of your agency."),
            field_errors={"from_worker": [_("Choose a worker of your agency.")]},
        )
    receivers: dict[int, User] = {}
    for worker in to_workers:
        receivers.setdefault(worker.pk, worker)
    if not receivers:
        raise DomainError(
            _("Choose at least one worker to receive the clients."),
            field_errors={"to_workers": [_("Tick at least one worker.")]},
        )
    if from_worker.pk in receivers:
        raise DomainError(
            _("The departing worker cannot also receive clients."),
            field_errors={"to_workers": [_("Untick the departing worker.")]},
        )
    team_ids = assignable_team_ids(acting_user)
    worker_teams = _worker_teams(receivers, team_ids)
    for worker in receivers.values():
        _check_receiver(acting_user, worker, worker_teams.get(worker.pk, []))

    qs = (
        Client.objects.filter(client_manage_q(acting_user), primary_worker_id=from_worker.pk)
        .select_related("team", "primary_worker")
        .order_by("legal_last_name", "legal_first_name", "id")
    )
    if clients is not None:
        wanted = {c.pk for c in clients}
        rows = list(qs.filter(pk__in=wanted))
        if len(rows) != len(wanted):
            raise DomainError(
                _("Some of the chosen clients are not on %(name)s's caseload in your teams.")
                % {"name": from_worker.label}
            )
    else:
        rows = list(qs[: PLAN_MAX + 1])
    if len(rows) > PLAN_MAX:
        raise DomainError(_("Too many clients for one reassignment; choose fewer."))

    counts = dict(
        Client.objects.filter(
            agency_id=from_worker.agency_id or 0,
            merged_into__isnull=True,
            primary_worker_id__in=list(receivers),
        )
        .values("primary_worker_id")
        .annotate(n=Count("id"))
        .values_list("primary_worker_id", "n")
    )
    load = {pk: counts.get(pk, 0) for pk in receivers}
    order = sorted(receivers)
    plan: Plan = []
    for client in rows:
        pk = min(order, key=lambda p: (load[p], p))
        load[pk] += 1
        plan.append((client, receivers[pk]))
    return plan


@dataclass(frozen=True)
class PlanRow:
    """One line of a reassignment plan as the preview shows it."""

    client: Client
    from_worker: User | None
    to_worker: User
    to_team: Team | None

    @property
    def team_changes(self) -> bool:
        return self.to_team is not None and self.to_team.pk != self.client.team_id


def plan_rows(*, acting_user: User, plan: Plan) -> list[PlanRow]:
    """The plan with the team each client will join (two queries, whatever its length)."""
    team_ids = assignable_team_ids(acting_user)
    worker_teams = _worker_teams({w.pk for _, w in plan}, team_ids)
    teams = Team.objects.in_bulk(team_ids)
    rows = []
    for client, worker in plan:
        choices = worker_teams.get(worker.pk, [])
        team = teams.get(_team_for(client.team_id, choices, None)) if choices else None
        rows.append(PlanRow(client, client.primary_worker, worker, team))
    return rows


def reassignment_plan_load(*, acting_user: User, moves: Sequence[tuple[int, int, int]]) -> Plan:
    """Rebuild a previewed plan from (client id, from-worker id, to-worker id) triples sent
    back by a page or the API. Clients the actor does not manage (or that do not exist) are
    refused alike; a client whose worker is no longer the previewed one makes the plan stale.
    """
    _check_manager(acting_user)
    if not moves:
        raise DomainError(_("There is nothing to reassign."))
    if len(moves) > PLAN_MAX:
        raise DomainError(_("Too many clients for one reassignment; choose fewer."))
    client_ids = [m[0] for m in moves]
    if len(set(client_ids)) != len(client_ids):
        raise DomainError(_("A client appears twice in the plan."))
    found = (
        Client.objects.filter(client_manage_q(acting_user), pk__in=client_ids)
        .select_related("team", "primary_worker")
        .in_bulk()
    )
    workers = workers_by_id(acting_user=acting_user, ids=[m[2] for m in moves])
    plan: Plan = []
    stale: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for client_id, from_id, to_id in moves:
        client = found.get(client_id)
        if client is None:
            raise DomainError(_("The plan names a client you do not manage. Preview again."))
        worker = workers.get(to_id)
        if worker is None:
            raise DomainError(_("The plan names an unknown worker. Preview again."))
        if client.primary_worker_id != from_id:
            stale[str(client_id)] = client.primary_worker_id
            expected[str(client_id)] = from_id
        plan.append((client, worker))
    if stale:
        raise _stale(stale, expected)
    return plan


def _stale(current: dict[str, Any], attempted: dict[str, Any]) -> StalePlan:
    return StalePlan(
        _(
            "%(n)d of these clients changed worker since the preview, so nothing was "
            "reassigned. Preview again."
        )
        % {"n": len(current)},
        current=current,
        attempted=attempted,
    )


def reassignment_apply(
    *,
    acting_user: User,
    plan: Sequence[tuple[Client, User]],
    reason: str,
    request: HttpRequest | None = None,
) -> list[Client]:
    """Apply a previewed plan in one transaction: every client moves, or none does.

    Optimistic check: each client must still have the worker it had when the plan was read
    (the `primary_worker_id` of the client objects in the plan); otherwise StalePlan (409) and
    nothing changes. Each move is audited as `client.reassigned`, and the whole as one
    `caseload.reassigned` event.
    """
    reason = _reason(reason)
    _check_manager(acting_user)
    if not plan:
        raise DomainError(_("There is nothing to reassign."))
    ids = [client.pk for client, _worker in plan]
    if len(set(ids)) != len(ids):
        raise DomainError(_("A client appears twice in the plan."))
    with transaction.atomic():
        current = (
            Client.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("team", "primary_worker")
            .in_bulk()
        )
        stale: dict[str, Any] = {}
        expected: dict[str, Any] = {}
        for client, _worker in plan:
            now = current.get(client.pk)
            if (
                now is None
                or now.merged_into_id is not None
                or now.primary_worker_id != client.primary_worker_id
            ):
                stale[str(client.pk)] = now.primary_worker_id if now else None
                expected[str(client.pk)] = client.primary_worker_id
        if stale:
            raise _stale(stale, expected)
        for client in current.values():
            check_may_transfer(acting_user=acting_user, client=client)
        team_ids = assignable_team_ids(acting_user)
        worker_teams = _worker_teams({w.pk for _c, w in plan}, team_ids)
        for _c, worker in plan:
            _check_receiver(acting_user, worker, worker_teams.get(worker.pk, []))
        teams = Team.objects.in_bulk(team_ids)
        moved: list[Client] = []
        from_ids: set[int | None] = set()
        to_counts: dict[str, int] = {}
        for client, worker in plan:
            row = current[client.pk]
            team_id = _team_for(row.team_id, worker_teams[worker.pk], None)
            if row.primary_worker_id == worker.pk and row.team_id == team_id:
                continue
            from_ids.add(row.primary_worker_id)
            _move(
                acting_user=acting_user,
                client=row,
                to_worker=worker,
                team=teams[team_id],
                reason=reason,
                via="reassignment",
                request=request,
            )
            to_counts[str(worker.pk)] = to_counts.get(str(worker.pk), 0) + 1
            moved.append(row)
        audit_record(
            actor=acting_user,
            action="caseload.reassigned",
            target_type="people.caseload",
            target_id=",".join(str(i) for i in sorted(i for i in from_ids if i is not None)),
            changes={
                "clients": [None, len(moved)],
                "client_ids": [None, [c.pk for c in moved]],
                "from_worker_ids": [None, sorted(i for i in from_ids if i is not None)],
                "to_workers": [None, to_counts],
                "reason": [None, reason],
            },
            request=request,
        )
    return moved


def managed_clients(*, acting_user: User, ids: Iterable[int]) -> list[Client]:
    """The clients with these ids that `acting_user` manages (others are simply not found)."""
    wanted = [i for i in ids if 0 < i < 2**63]
    return list(Client.objects.filter(client_manage_q(acting_user), pk__in=wanted))
