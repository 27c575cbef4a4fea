"""Writes for clients, households and episodes. Each write is one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.access import may_see_address_of, may_take_in_clients, team_ids_for
from strengthwise.accounts.models import Program, Team, User
from strengthwise.audit.services import HIDDEN, audit_record, changed_fields
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.text import digits
from strengthwise.core.validation import refuse_nul, validated

from .duplicates import PersonKey, dob_index_for, phonetic
from .models import Client, Episode, HouseholdMember
from .search import search_keys_for, search_name_for
from .selectors import DuplicateMatch, client_duplicate_candidates

# The fields staff edit on a client record (forms and API use the same list).
CLIENT_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "preferred_language",
    "other_languages",
    "interpreter_needed",
    "phone",
    "email",
    "preferred_contact_method",
    "ok_to_leave_message",
    "do_not_contact",
    "contact_notes",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "home_latitude",
    "home_longitude",
    "address_confidential",
)
# The home's coordinates (used only to find help nearby) are as private as the address.
ADDRESS_FIELDS = (
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "home_latitude",
    "home_longitude",
)
ADDRESS_CONTROL_FIELDS = (*ADDRESS_FIELDS, "address_confidential")
NAME_FIELDS = ("legal_first_name", "legal_last_name", "preferred_name", "pronouns")
# Sealed at rest (core/crypto.py): the audit trail records that they changed, never their values.
SEALED_FIELDS = (
    "date_of_birth",
    "address_line1",
    "address_line2",
    "home_latitude",
    "home_longitude",
)
# Derived from the fields above by `client_refresh_search_fields`, written with them.
SEARCH_FIELDS = (
    "search_name",
    "search_keys",
    "phonetic_first",
    "phonetic_last",
    "phone_digits",
    "dob_index",
)
HOUSEHOLD_FIELDS = ("name", "relationship", "date_of_birth", "lives_with_client", "notes")


class PossibleDuplicates(DomainError):
    """Intake found people who may already be on record; the user must look before saving."""

    status_code = 409

    def __init__(self, matches: list[DuplicateMatch]):
        super().__init__(
            _("This person may already be on record. Check the matches before saving.")
        )
        self.matches = matches


def _clean_text(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Refuse NUL characters (PostgreSQL cannot store them) and tidy the spaces in names."""
    refuse_nul(fields)
    cleaned = dict(fields)
    for name in NAME_FIELDS:
        if isinstance(cleaned.get(name), str):
            cleaned[name] = " ".join(cleaned[name].split())
    return cleaned


def _masked(values: Mapping[str, Any], may_see_address: bool) -> dict[str, Any]:
    """Values to show back to a user: a confidential address only to those who may see it."""
    shown = dict(values)
    if not may_see_address:
        for name in ADDRESS_FIELDS:
            if name in shown:
                shown[name] = HIDDEN
    return shown


def client_refresh_search_fields(client: Client) -> None:
    """Recompute the search and duplicate-check columns from the name and phone (no save)."""
    client.search_name = search_name_for(
        client.legal_first_name, client.preferred_name, client.legal_last_name
    )
    client.search_keys = search_keys_for(client.search_name)
    client.phonetic_first = phonetic(client.legal_first_name)
    client.phonetic_last = phonetic(client.legal_last_name)
    client.phone_digits = digits(client.phone)[-10:]
    client.dob_index = dob_index_for(client.date_of_birth)


def _snapshot(client: Client) -> dict[str, Any]:
    return {name: getattr(client, name) for name in CLIENT_FIELDS}


def audit_hidden(*records: Mapping[str, Any]) -> tuple[str, ...]:
    """What the audit trail records without values: the sealed fields always (the trail is not
    encrypted), and the whole address of anyone whose address is confidential."""
    if any(r.get("address_confidential") for r in records):
        return (*SEALED_FIELDS, *ADDRESS_FIELDS)
    return SEALED_FIELDS


def _default_team(user: User) -> Team | None:
    ids = team_ids_for(user)
    return Team.objects.filter(pk=ids[0]).first() if ids else None


def client_intake(
    *,
    acting_user: User,
    fields: Mapping[str, Any],
    team: Team | None = None,
    program: Program | None = None,
    confirm_not_duplicate: bool = False,
) -> Client:
    """Create a client after checking for likely duplicates across the agency.

    Raises PossibleDuplicates unless the user has looked and confirmed that this is a new
    person. The client joins `team` (default: the worker's first team) with the acting worker
    as primary worker, and an episode opens in `program` (default: the team's program).
    """
    if not may_take_in_clients(acting_user):
        raise DomainError(_("Only case workers and supervisors can take in clients."))
    team = team or _default_team(acting_user)
    if (
        team is None
        or team.agency_id != acting_user.agency_id
        or team.pk not in team_ids_for(acting_user)
    ):
        raise DomainError(
            _("Choose one of your teams for this client."),
            field_errors={"team": [_("Choose one of your teams.")]},
        )
    fields = _clean_text(fields)
    # The person who takes the client in is their worker until a supervisor reassigns them,
    # so that a confidential address always has someone who may see it.
    client = Client(
        agency_id=acting_user.agency_id,
        team=team,
        primary_worker=acting_user,
        **{k: fields[k] for k in CLIENT_FIELDS if k in fields},
    )
    client_refresh_search_fields(client)
    validated(client)
    if not confirm_not_duplicate:
        matches = client_duplicate_candidates(
            agency_id=acting_user.agency_id,
            key=PersonKey(
                client.legal_first_name,
                client.legal_last_name,
                client.date_of_birth,
                client.preferred_name,
            ),
        )
        if matches:
            audit_record(
                actor=acting_user,
                action="client.duplicate_check",
                target_type="people.client",
                changes={"matched_ids": [m.client.pk for m in matches]},
            )
            raise PossibleDuplicates(matches)
    program = program or team.program
    with transaction.atomic():
        client.save()
        audit_record(
            actor=acting_user,
            action="client.created",
            target=client,
            changes=changed_fields(
                {}, _snapshot(client), hidden=audit_hidden({}, _snapshot(client))
            ),
        )
        if confirm_not_duplicate:
            audit_record(
                actor=acting_user, action="client.duplicate_check_overridden", target=client
            )
        if program is not None:
            episode_open(acting_user=acting_user, client=client, program=program)
    return client


def client_update(
    *, acting_user: User, client: Client, version: int, fields: Mapping[str, Any]
) -> Client:
    """Change a client's record if nobody else saved it since `version` was read.

    Only the assigned worker may see or change a confidential address; a conflict shows
    both versions, with the address hidden from anyone else.
    """
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    fields = _clean_text(fields)
    with transaction.atomic():
        current = (
            Client.objects.select_for_update(no_key=True).select_related("team").get(pk=client.pk)
        )
        may_see_address = may_see_address_of(acting_user, current)
        before = _snapshot(current)
        if not may_see_address and any(
            name in fields and fields[name] != before[name] for name in ADDRESS_CONTROL_FIELDS
        ):
            raise DomainError(
                _("Only the assigned worker can see or change a confidential address.")
            )
        if current.version != version:
            raise Conflict(
                _("Someone else saved this record while you were editing it."),
                current=_masked(before, may_see_address),
                attempted=_masked({**before, **dict(fields)}, may_see_address),
            )
        for name, value in fields.items():
            setattr(current, name, value)
        moved = any(
            getattr(current, n) != before[n] for n in ADDRESS_FIELDS if not n.startswith("home_")
        )
        if moved and "home_latitude" not in fields and "home_longitude" not in fields:
            # The old coordinates belong to the old address; find help works the new ones out
            # from the address itself (`directory.geocode`).
            current.home_latitude = current.home_longitude = None
        client_refresh_search_fields(current)
        validated(current)
        after = _snapshot(current)
        changes = changed_fields(before, after, hidden=audit_hidden(before, after))
        if not changes:
            return current
        updated = Client.objects.filter(pk=current.pk, version=version).update(
            **{name: getattr(current, name) for name in CLIENT_FIELDS},
            **{name: getattr(current, name) for name in SEARCH_FIELDS},
            version=version + 1,
            updated_at=timezone.now(),
        )
        if updated == 0:  # pragma: no cover - the row lock above makes this a last resort
            raise Conflict(_("Someone else saved this record."), current=before, attempted=after)
        current.version = version + 1
        audit_record(actor=acting_user, action="client.updated", target=current, changes=changes)
    return current


def household_member_add(
    *, acting_user: User, client: Client, fields: Mapping[str, Any]
) -> HouseholdMember:
    member = HouseholdMember(
        agency_id=client.agency_id,
        client=client,
        **{k: fields[k] for k in HOUSEHOLD_FIELDS if k in fields},
    )
    validated(member, exclude=["client", "agency"])
    with transaction.atomic():
        member.save()
        audit_record(
            actor=acting_user,
            action="household_member.added",
            target=member,
            changes=changed_fields(
                {}, {k: getattr(member, k) for k in HOUSEHOLD_FIELDS}, hidden=["date_of_birth"]
            ),
        )
    return member


def household_member_remove(*, acting_user: User, member: HouseholdMember) -> None:
    with transaction.atomic():
        before = {k: getattr(member, k) for k in HOUSEHOLD_FIELDS}
        audit_record(
            actor=acting_user,
            action="household_member.removed",
            target=member,
            changes=changed_fields(before, dict.fromkeys(before), hidden=["date_of_birth"]),
        )
        member.delete()


def episode_open(
    *, acting_user: User, client: Client, program: Program, opened_on: dt.date | None = None
) -> Episode:
    """Open an episode of care in `program` (one open episode per program)."""
    if program.agency_id != client.agency_id:
        raise DomainError(_("That program belongs to another agency."))
    if Episode.objects.filter(client=client, program=program, closed_on__isnull=True).exists():
        raise DomainError(
            _("This client already has an open episode in %(p)s.") % {"p": program.name}
        )
    episode = Episode(
        agency_id=client.agency_id,
        client=client,
        program=program,
        opened_on=opened_on or timezone.localdate(),
        opened_by=acting_user,
    )
    validated(episode, exclude=["client", "agency", "opened_by"])
    with transaction.atomic():
        episode.save()
        audit_record(
            actor=acting_user,
            action="episode.opened",
            target=episode,
            changes={
                "program": [None, program.name],
                "opened_on": [None, episode.opened_on.isoformat()],
            },
        )
    return episode


def lock_open_record(client_id: int) -> Client:
    """Inside a write's transaction: lock the client's row and refuse when it was merged into
    another record since the page was opened (the write would land on a hidden record).

    FOR NO KEY UPDATE, not FOR UPDATE: two writes about the client still queue here, but the
    key-share lock a PostgreSQL foreign-key check takes on this row does not wait for it. Other
    writes about the client insert rows that point at it (their audit event does) while they
    hold the audit chain's head; with FOR UPDATE here, such a write's check waited for this
    transaction while this one waited for the head: a deadlock, answered with a 500."""
    client = Client.objects.select_for_update(no_key=True).get(pk=client_id)
    if client.merged_into_id is not None:
        raise DomainError(
            _("This record was merged into another one a moment ago; open that record instead.")
        )
    return client
