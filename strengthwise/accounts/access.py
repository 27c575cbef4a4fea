"""The one gate to client-owned data (DESIGN §3).

Every view and API endpoint fetches client records through these functions; none calls
`Client.objects` directly. The rule:

* nobody crosses agencies;
* a case worker reaches the clients on their own caseload and their teams' clients;
* a supervisor reaches the clients of the teams they supervise or belong to;
* program managers and agency admins reach no individual record here: they work with
  de-identified reports and configuration;
* a record merged into another (`merged_into` set) is hidden from everyone: its survivor
  carries the person now, and the merge page is the only way back to it.

Managing caseloads (transfer, reassignment, merging duplicates) has its own, narrower rule,
`client_manage_q`: a supervisor manages the clients of the teams they supervise, an agency
admin every client of the agency. The `managing=True` gates below reach those clients too,
so that an admin can transfer a client whose face sheet they cannot open.

Missing and forbidden look the same (404), so an id reveals nothing. A refused access to a
record that exists is written to the audit trail.

Domain models are looked up through the app registry, so `accounts` does not import the apps
that sit above it (docs/architecture.md); `audit` sits below `accounts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from strengthwise.audit.services import audit_record
from strengthwise.core.validation import parse_id

from .models import Membership, Role

if TYPE_CHECKING:
    from .models import User

CASEWORK_ROLES = frozenset({Role.WORKER, Role.SUPERVISOR})


def _memberships(user: User) -> list[tuple[int, str]]:
    """The user's (team id, kind) pairs in their agency, read once per request and kept on
    the user: both lists below come from it (a supervisor's page needs both)."""
    cached = getattr(user, "_sw_memberships", None)
    if cached is None:
        cached = []
        if user.agency_id:
            cached = list(
                Membership.objects.filter(user_id=user.pk, agency_id=user.agency_id)
                .values_list("team_id", "kind")
                .order_by("team_id")
            )
        user._sw_memberships = cached  # type: ignore[attr-defined]
    return cached


def team_ids_for(user: User) -> list[int]:
    """Ids of the teams a user belongs to or supervises (cached on the user for the request)."""
    return [team_id for team_id, _kind in _memberships(user)]


def supervised_team_ids(user: User) -> list[int]:
    """Ids of the teams a user supervises (cached on the user for the request)."""
    if user.role != Role.SUPERVISOR:
        return []
    return [team_id for team_id, kind in _memberships(user) if kind == Membership.Kind.SUPERVISOR]


def client_scope_q(user: Any, prefix: str = "", *, only: str | None = None) -> Q:
    """A filter selecting the clients (through `prefix`, e.g. "client__") this user may see.

    `only="mine"` narrows to the user's own caseload, `only="teams"` to their teams' clients;
    both are subsets of the full scope. The full scope is written as
    (agency AND worker) OR (agency AND team) so that each branch uses its own index.
    Records merged into another are never in scope. `client_visible` below is the same rule
    for one row already in memory.
    """
    if not getattr(user, "is_authenticated", False) or not user.agency_id:
        return Q(pk__in=[])
    if user.role not in CASEWORK_ROLES:
        return Q(pk__in=[])
    agency = {f"{prefix}agency_id": user.agency_id, f"{prefix}merged_into__isnull": True}
    teams = team_ids_for(user)
    mine = Q(**agency, **{f"{prefix}primary_worker_id": user.pk})
    of_teams = Q(**agency, **{f"{prefix}team_id__in": teams}) if teams else Q(pk__in=[])
    if only == "mine":
        return mine
    if only == "teams":
        return of_teams
    return mine | of_teams if teams else mine


def client_scope_parts(user: Any, *, only: str | None = None) -> list[Q]:
    """The scope of `client_scope_q(user, only=only)` as its index ranges: the user's own
    caseload, then each of their teams' clients. Each part is answered in name order by one
    agency-first index (people.Client `client_caseload_names`, `client_team_names`), so a list page can
    take the first rows of each and merge them instead of sorting the whole scope. A client
    can be in two parts (their own worker's team): whoever unites the parts lists them once."""
    if not getattr(user, "is_authenticated", False) or not user.agency_id:
        return []
    if user.role not in CASEWORK_ROLES:
        return []
    agency = {"agency_id": user.agency_id, "merged_into__isnull": True}
    parts = []
    if only in (None, "mine"):
        parts.append(Q(**agency, primary_worker_id=user.pk))
    if only in (None, "teams"):
        parts.extend(Q(**agency, team_id=team) for team in team_ids_for(user))
    return parts


def client_visible(
    user: Any,
    *,
    agency_id: int,
    primary_worker_id: int | None,
    team_id: int,
    merged_into_id: int | None,
) -> bool:
    """`client_scope_q` for one client row already fetched (tests prove the two agree).
    `merged_into_id` is required so that no caller forgets that merged records are hidden."""
    if not getattr(user, "is_authenticated", False) or not user.agency_id:
        return False
    if user.role not in CASEWORK_ROLES or agency_id != user.agency_id:
        return False
    if merged_into_id is not None:
        return False
    return primary_worker_id == user.pk or team_id in team_ids_for(user)


def client_manage_q(user: Any, prefix: str = "") -> Q:
    """A filter selecting the clients whose caseload assignment `user` may change (transfer,
    reassign) and whom they may merge: a supervisor the clients of the teams they supervise,
    an agency admin every client of their agency, nobody else. Merged records are out of scope.
    `may_manage_client` is the same rule for one row."""
    if not getattr(user, "is_authenticated", False) or not user.agency_id:
        return Q(pk__in=[])
    base = {f"{prefix}agency_id": user.agency_id, f"{prefix}merged_into__isnull": True}
    if user.role == Role.ADMIN:
        return Q(**base)
    teams = supervised_team_ids(user) if user.role == Role.SUPERVISOR else []
    if not teams:
        return Q(pk__in=[])
    return Q(**base, **{f"{prefix}team_id__in": teams})


def may_manage_client(
    user: Any, *, agency_id: int, team_id: int, merged_into_id: int | None = None
) -> bool:
    """`client_manage_q` for one client row already fetched."""
    if not getattr(user, "is_authenticated", False) or not user.agency_id:
        return False
    if agency_id != user.agency_id or merged_into_id is not None:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and team_id in supervised_team_ids(user)


def may_manage_caseloads(user: Any) -> bool:
    """Whether `user` manages any caseload at all (shows the reassignment pages)."""
    if not getattr(user, "is_authenticated", False) or not user.agency_id:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and bool(supervised_team_ids(user))


def _reach_q(user: Any, prefix: str, managing: bool) -> Q:
    scope = client_scope_q(user, prefix)
    return scope | client_manage_q(user, prefix) if managing else scope


def may_take_in_clients(user: Any) -> bool:
    """Intake (a new client record): case workers and supervisors of an agency."""
    return (
        getattr(user, "is_authenticated", False)
        and bool(user.agency_id)
        and user.role in CASEWORK_ROLES
    )


def may_approve(user: Any, client: Any) -> bool:
    """Approving or returning a client's plan or closure: a supervisor of the client's team.
    `client_approve_q` is the same rule as a filter."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.SUPERVISOR:
        return False
    return client.agency_id == user.agency_id and client.team_id in supervised_team_ids(user)


def client_approve_q(user: Any, prefix: str = "") -> Q:
    """A filter selecting the clients (through `prefix`) whose plans and closures `user` may
    approve: `may_approve` for many rows (the supervisor's lists of what waits for them)."""
    teams = supervised_team_ids(user) if getattr(user, "is_authenticated", False) else []
    if not teams:
        return Q(pk__in=[])
    return Q(**{f"{prefix}agency_id": user.agency_id, f"{prefix}team_id__in": teams})


def may_read_note(user: Any, note: Any) -> bool:
    """A note of a client the user may see: a signed one, or a draft of their own (a draft is
    its author's until signed)."""
    return bool(note.signed) or note.author_id == getattr(user, "pk", None)


def may_manage_token(user: Any, token: Any) -> bool:
    """An API token: its owner, or an admin of the owner's agency (to stop a leaked one)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if token.user_id == user.pk:
        return True
    return may_administer(user) and token.user.agency_id == user.agency_id


def may_administer(user: Any) -> bool:
    """The agency's settings (language list, programs, teams, users): agency admins."""
    return (
        getattr(user, "is_authenticated", False)
        and bool(user.agency_id)
        and (user.role == Role.ADMIN)
    )


def may_edit_questionnaires(user: Any) -> bool:
    """The agency's own questionnaires (draft, publish, import, retire): agency admins."""
    return may_administer(user)


def access_questionnaire(user: Any, questionnaire_id: Any, *, edit: bool = False) -> Any:
    """One of the user's agency's questionnaires: its staff read the published definitions,
    its admins edit (`edit=True`); anyone else, and any other agency's, gets 404."""
    model = apps.get_model("questionnaires", "Questionnaire")
    pk = parse_id(questionnaire_id)
    if (
        pk is None
        or not getattr(user, "is_authenticated", False)
        or not getattr(user, "agency_id", None)
        or (edit and not may_edit_questionnaires(user))
    ):
        raise Http404("No such questionnaire")
    questionnaire = (
        model.objects.filter(agency_id=user.agency_id, pk=pk).select_related("program").first()
    )
    if questionnaire is None:
        raise Http404("No such questionnaire")
    return questionnaire


def may_manage_webhooks(user: Any) -> bool:
    """The agency's webhook endpoints (register, turn off and on, rotate the secret, remove,
    read the delivery log): agency admins, as the rest of Settings."""
    return may_administer(user)


def access_webhook_endpoint(user: Any, endpoint_id: Any) -> Any:
    """One of the user's agency's webhook endpoints, for its admins; anyone else, any other
    agency's endpoint and one that does not exist get the same 404."""
    model = apps.get_model("interop", "WebhookEndpoint")
    pk = parse_id(endpoint_id)
    if pk is None or not may_manage_webhooks(user):
        raise Http404("No such webhook endpoint")
    endpoint = model.objects.filter(agency_id=user.agency_id, pk=pk).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint")
    return endpoint


def navigation_for(user: Any) -> dict[str, bool]:
    """What the main navigation offers `user`: only what their role may do."""
    casework = may_take_in_clients(user)
    supervises = casework and user.role == Role.SUPERVISOR
    return {
        "casework": casework,  # today, caseload, search, notes, new client
        "supervises": supervises,  # team view, plans and closures to approve
        "manages_caseloads": may_manage_caseloads(user),
        "settings": may_administer(user),
    }


def landing_for(user: Any) -> str:
    """The URL name a user lands on after signing in: where their work is. Workers their
    caseload, supervisors the team view, program managers the reports, admins the settings."""
    role = getattr(user, "role", None)
    if not may_take_in_clients(user) and not may_administer(user):
        return "outcomes:reports" if role == Role.PROGRAM_MANAGER else "people:caseload"
    if role == Role.SUPERVISOR:
        return "tasks:team"
    if role == Role.ADMIN:
        return "settings"
    return "people:caseload"


REPORT_ROLES = frozenset({Role.WORKER, Role.SUPERVISOR, Role.PROGRAM_MANAGER, Role.ADMIN})


def may_read_reports(user: Any) -> bool:
    """The reports (page, exports, API): an agency's staff in a reporting role. What they see
    is scoped by role (`outcomes.reports.scope_for`) and de-identified for program managers
    and admins (`reads_deidentified`)."""
    return (
        getattr(user, "is_authenticated", False)
        and bool(user.agency_id)
        and user.role in REPORT_ROLES
    )


def may_list_report_clients(user: Any) -> bool:
    """Whether a report may show `user` the clients behind a figure (the data-quality lists):
    only those who read client data identified — case workers and supervisors."""
    return may_read_reports(user) and not reads_deidentified(user)


def reads_deidentified(user: Any) -> bool:
    """Whether `user` reads client data only de-identified: program managers and agency
    admins (and anyone outside casework). They reach no individual record, so every count they
    see is suppressed below 5, means over fewer than 5 are withheld, and clients' own words
    (comments, goals, strengths) are never shown to them."""
    if not getattr(user, "is_authenticated", False) or not user.agency_id:
        return True
    return user.role not in CASEWORK_ROLES


def clients_visible_to(user: Any) -> QuerySet[Any]:
    """All clients this user may open."""
    client_model = apps.get_model("people", "Client")
    return client_model.objects.filter(client_scope_q(user))


def _refuse(user: Any, model: type[Model], pk: int, request: HttpRequest | None) -> None:
    """Record a refused access in the log of the record's own agency and client."""
    row = model._default_manager.filter(pk=pk).values("agency_id").first() or {}
    audit_record(
        actor=user,
        action="access.refused",
        target_type=model._meta.label_lower,
        target_id=str(pk),
        client_id=pk if model._meta.label_lower == "people.client" else None,
        agency_id=row.get("agency_id"),
        request=request,
    )


def access_client(
    user: Any,
    client_id: Any,
    *,
    write: bool = False,
    managing: bool = False,
    request: HttpRequest | None = None,
    read: str = "",
) -> Any:
    """The client with this id if `user` may see it (and, with write=True, change it); else 404.

    `read="<what>.viewed"` also records that this request shows the client's record (on GET
    and HEAD only: a POST's own event says what it changed).

    Case workers and supervisors who can see a client may also work on the record; the
    `write` flag is kept so that read-only roles (the portal, auditors) share this gate.
    `managing=True` (the transfer and merge pages only) also reaches the clients the user
    manages (`client_manage_q`); the service then checks the action itself.
    """
    client_model = apps.get_model("people", "Client")
    pk = parse_id(client_id)
    if pk is None:
        raise Http404("No such client")
    client = (
        client_model.objects.filter(_reach_q(user, "", managing), pk=pk)
        .select_related("primary_worker", "team", "agency")
        .first()
    )
    if client is None:
        if getattr(user, "is_authenticated", False) and client_model.objects.filter(pk=pk).exists():
            _refuse(user, client_model, pk, request)
        raise Http404("No such client")
    if read:
        record_reads(user, request, action=read, clients=[client])
    return client


def record_reads(
    user: Any,
    request: HttpRequest | None,
    *,
    action: str,
    clients: Iterable[Any],
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Every response that shows clients' identifying data leaves one audit event saying which
    clients it showed (a list page: one event listing the ids). Only for GET and HEAD requests
    (and calls without a request, such as the API's handlers that pass none): a write's own
    event already names its client. Nothing is recorded when no client was shown. `detail`
    adds what else the event should say ({"kind": "ssm"} becomes `"kind": [None, "ssm"]`)."""
    if request is not None and request.method not in ("GET", "HEAD"):
        return
    ids = sorted({c if isinstance(c, int) else c.pk for c in clients})
    if not ids:
        return
    audit_record(
        actor=user,
        action=action,
        agency_id=getattr(user, "agency_id", None),
        client_id=ids[0] if len(ids) == 1 else None,
        target_type="people.client",
        target_id=str(ids[0]) if len(ids) == 1 else "",
        changes={"clients": [None, ids], **{k: [None, v] for k, v in (detail or {}).items()}},
        request=request,
    )


def access_client_object(
    user: Any,
    model: type[Model],
    object_id: Any,
    *,
    client_path: str = "client",
    client: Any = None,
    write: bool = False,
    managing: bool = False,
    request: HttpRequest | None = None,
) -> Any:
    """Any object that belongs to a client (an episode, a goal, a note): same rule, same 404.
    `managing=True` as in `access_client`.

    `client` (a client the caller already reached through this gate, as in
    /clients/<client>/factors/<factor>/) also requires the object to be that client's: one of
    another client the user may see answers the same 404 — it is the wrong address, not a
    refused access, so nothing is recorded for it."""
    pk = parse_id(object_id)
    if pk is None:
        raise Http404("Not found")
    obj = (
        model._default_manager.filter(_reach_q(user, f"{client_path}__", managing), pk=pk)
        .select_related(client_path)
        .first()
    )
    if obj is None:
        if (
            getattr(user, "is_authenticated", False)
            and model._default_manager.filter(pk=pk).exists()
        ):
            _refuse(user, model, pk, request)
        raise Http404("Not found")
    if client is not None and _owner_id(obj, client_path) != client.pk:
        raise Http404("Not found")
    return obj


def _owner_id(obj: Any, client_path: str) -> Any:
    """The id of the client an object belongs to, following `client_path` ("goal__client")."""
    *through, last = client_path.split("__")
    for name in through:
        obj = getattr(obj, name)
    return getattr(obj, f"{last}_id")


def can_see_confidential_address(user: Any, client: Any) -> bool:
    """A confidential address is shown to the client's assigned worker and nobody else."""
    return bool(getattr(user, "is_authenticated", False)) and client.primary_worker_id == user.pk


def may_see_address_of(user: Any, client: Any) -> bool:
    """Whether `user` may see (and change) this client's address at all."""
    return not client.address_confidential or can_see_confidential_address(user, client)


def access_task(user: Any, task_id: Any, *, request: HttpRequest | None = None) -> Any:
    """One of the user's own tasks — about no one in particular, or about a client they may
    still see (after a transfer or a merge the others drop out of sight); else 404."""
    task_model = apps.get_model("tasks", "Task")
    pk = parse_id(task_id)
    if pk is None:
        raise Http404("Not found")
    task = (
        task_model.objects.filter(pk=pk, assigned_to=user)
        .filter(Q(client__isnull=True) | client_scope_q(user, "client__"))
        .first()
    )
    if task is None:
        if getattr(user, "is_authenticated", False) and task_model.objects.filter(pk=pk).exists():
            _refuse(user, task_model, pk, request)
        raise Http404("Not found")
    return task


# --- the client portal ------------------------------------------------------------------------
#
# A portal account (portal.PortalAccount) reaches one person's record: its client's, or, when
# that record was merged into another, the survivor's — nothing else, whatever the id asked
# for. A closed episode does not end it: the record stays the client's to read.


def portal_client(account: Any) -> Any:
    """The client a signed-in portal account speaks for; 404 when there is none."""
    if account is None or not getattr(account, "active", False):
        raise Http404("Not signed in to the portal")
    client_model = apps.get_model("people", "Client")
    client = client_model.objects.select_related("agency").get(pk=account.client_id)
    seen = {client.pk}
    while client.merged_into_id is not None and client.merged_into_id not in seen:
        seen.add(client.merged_into_id)
        client = client_model.objects.select_related("agency").get(pk=client.merged_into_id)
    return client


def portal_object(
    account: Any, model: type[Model], object_id: Any, *, client_path: str = "client"
) -> Any:
    """An object of the portal client's own (a step, a consent, a referral); 404 for anything
    else, and for an id that is not a number."""
    client = portal_client(account)
    pk = parse_id(object_id)
    if pk is None:
        raise Http404("Not found")
    obj = model._default_manager.filter(**{client_path: client.pk}, pk=pk).first()
    if obj is None:
        raise Http404("Not found")
    return obj
