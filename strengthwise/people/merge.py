"""Merging a duplicate client record into the record that survives, and undoing it.

Every row of every model that points at `Client` with a foreign key or a one-to-one — in any
installed app, including apps added later — moves from the duplicate to the survivor. The
relations are found through the model registry (`Client._meta`), never listed by hand, so
`people` imports nothing above it. (`Client._meta.related_objects` leaves out relations
declared with `related_name="+"`, such as a readiness rating's client, so the hidden ones are
asked for too.) The duplicate is not deleted: it is marked `merged_into` the survivor and
drops out of everyone's scope; its `ClientMerge` row holds what is needed to undo the merge.

One-of-a-kind rows (unique constraints)
---------------------------------------
Moving a row must not break a unique rule on its model. Before anything moves, each unique
rule that includes the client field (a one-to-one, `unique=True`, `unique_together`, or a
`UniqueConstraint` — conditional ones included, such as "one open episode per program") is
checked; a duplicate's row that would collide with one of the survivor's is handled by its
model's policy:

* ``keep`` — the survivor's row stays; the duplicate's row stays with the merged record (it is
  listed on the merge page and returns with the record if the merge is undone):

  - ``assessments.StrengthsAssessment`` (one per client): each is a living, versioned
    document written with the client in their own words. Stitching two together would put
    words in the client's mouth; the survivor's remains the current one, the other is kept
    whole, every version with it.
  - ``directory.SavedService`` (a service saved once per client): the survivor's list already
    has that service; the duplicate's entry adds nothing but its note.

* ``refuse`` — the merge is refused with a message naming what must be resolved first:

  - ``people.Episode`` (one open episode per program): two open episodes in one program mean
    two live pieces of casework for the same person. Someone must close one with the client
    first; the software cannot decide which work stops.
  - every other model (the default, also for apps added later, e.g. a portal login that may
    exist once per client): refusing hides nothing silently. A model opts into keeping by
    setting ``merge_on_conflict = "keep"`` on its class.

Rows derived from the others (a model that sets ``merge_derived = True``, such as the
maintained due tasks) never move and are never counted as links: the audit events of a merge
and of its undo make their app compute both records' rows again in the same transaction.

Rules the registry cannot evaluate (unique expressions) are caught by the database: the
transaction rolls back and the user gets a clear refusal, never a half-merged pair.

Undo
----
`merge_undo` moves exactly the rows recorded in `ClientMerge.moved` back to the duplicate,
clears `merged_into` and restores both records' fields. It never overwrites later work:

* a field of the survivor edited since the merge (its value is no longer what the merge set)
  keeps its current value — only untouched fields are restored; the kept fields are listed in
  the audit event and on the merge page (`undo_detail`);
* a recorded row deleted since is skipped (listed as missing);
* the undo is refused, changing nothing, when a recorded row now belongs to a third record,
  when the survivor has itself been merged into another record since (undo that merge first),
  or when rows added since would end up split between the two records (for example a goal
  added after the merge to a plan that came from the duplicate).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, UniqueConstraint
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.access import may_manage_client, may_see_address_of
from strengthwise.accounts.models import User
from strengthwise.audit.services import HIDDEN, audit_record, changed_fields, plain
from strengthwise.core.errors import DomainError
from strengthwise.core.validation import validated

from .caseload import NotAllowed, _reason
from .models import Client, ClientMerge
from .services import (
    ADDRESS_CONTROL_FIELDS,
    CLIENT_FIELDS,
    SEARCH_FIELDS,
    audit_hidden,
    client_refresh_search_fields,
)

KEEP = "keep"
REFUSE = "refuse"
SURVIVOR = "survivor"
DUPLICATE = "duplicate"
SIDES = (SURVIVOR, DUPLICATE)

# What happens to a duplicate's row that would break a unique rule on the survivor (see the
# module docstring for why). Models not listed refuse, unless they set `merge_on_conflict`.
ON_CONFLICT: dict[str, str] = {
    "assessments.strengthsassessment": KEEP,
    "directory.savedservice": KEEP,
    "people.episode": REFUSE,
}
# Relations that record merges themselves: they never move.
BOOKKEEPING = frozenset(
    {
        ("people.client", "merged_into"),
        ("people.clientmerge", "survivor"),
        ("people.clientmerge", "duplicate"),
    }
)
MOVE_CHUNK = 500  # ids per UPDATE (SQLite's parameter limit)

# {model label: {field name: [pks]}}
RowMap = dict[str, dict[str, list[Any]]]


@dataclass(frozen=True)
class Link:
    """A foreign key (or one-to-one) on `model` that points at Client."""

    model: type[Model]
    field: Any

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def policy(self) -> str:
        declared = getattr(self.model, "merge_on_conflict", None)
        if declared in (KEEP, REFUSE):
            return str(declared)
        return ON_CONFLICT.get(self.label, REFUSE)


def client_links() -> list[Link]:
    """Every FK/one-to-one pointing at Client in every installed app, in a stable order."""
    links = []
    for rel in Client._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or not (rel.one_to_many or rel.one_to_one):
            continue
        model = rel.related_model
        fk = rel.field  # type: ignore[union-attr]
        if (
            not isinstance(model, type)
            or model._meta.proxy
            or (model._meta.label_lower, fk.name) in BOOKKEEPING
            or getattr(model, "merge_derived", False)
        ):
            continue
        links.append(Link(model, fk))
    return sorted(links, key=lambda link: (link.label, link.field.name))


@dataclass(frozen=True)
class UniqueRule:
    name: str
    others: tuple[str, ...]  # attnames of the rule's other fields
    condition: Q | None


def _attname(model: type[Model], name: str) -> str:
    return str(model._meta.get_field(name).attname)  # type: ignore[union-attr]


def _unique_rules(link: Link) -> list[UniqueRule]:
    model, fk = link.model, link.field
    names = {fk.name, fk.attname}
    rules = []
    if fk.unique:
        rules.append(UniqueRule(fk.name, (), None))
    for together in model._meta.unique_together:
        if names & set(together):
            others = tuple(_attname(model, n) for n in together if n not in names)
            rules.append(UniqueRule(",".join(together), others, None))
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, UniqueConstraint)
            and constraint.fields
            and names & set(constraint.fields)
        ):
            others = tuple(_attname(model, n) for n in constraint.fields if n not in names)
            rules.append(UniqueRule(constraint.name, others, constraint.condition))
    return rules


def _colliding(link: Link, rule: UniqueRule, survivor_id: int, duplicate_id: int) -> list[Any]:
    """The duplicate's rows that would break `rule` next to the survivor's rows."""
    manager = link.model._base_manager
    mine = manager.filter(**{link.field.attname: survivor_id})
    theirs = manager.filter(**{link.field.attname: duplicate_id})
    if rule.condition is not None:
        mine, theirs = mine.filter(rule.condition), theirs.filter(rule.condition)
    if not rule.others:
        return list(theirs.values_list("pk", flat=True)) if mine.exists() else []
    taken = {tuple(row) for row in mine.values_list(*rule.others)}
    return [
        pk
        for pk, *key in theirs.values_list("pk", *rule.others)
        if None not in key and tuple(key) in taken
    ]


def _json_pk(pk: Any) -> Any:
    return pk if isinstance(pk, int) else str(pk)


@dataclass
class RowPlan:
    moving: RowMap = field(default_factory=dict)
    kept: RowMap = field(default_factory=dict)
    blockers: list[str] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)  # (what, how many move)


def _row_plan(survivor: Client, duplicate: Client) -> RowPlan:
    plan = RowPlan()
    for link in client_links():
        manager = link.model._base_manager
        pks = list(
            manager.filter(**{link.field.attname: duplicate.pk})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not pks:
            continue
        stay: set[Any] = set()
        for rule in _unique_rules(link):
            colliding = _colliding(link, rule, survivor.pk, duplicate.pk)
            if not colliding:
                continue
            if link.policy == KEEP:
                stay.update(colliding)
            else:
                plan.blockers.append(_blocker(link, colliding))
        moving = [_json_pk(pk) for pk in pks if pk not in stay]
        if moving:
            plan.moving.setdefault(link.label, {})[link.field.name] = moving
            plan.counts.append((str(link.model._meta.verbose_name_plural), len(moving)))
        if stay:
            kept = [_json_pk(pk) for pk in pks if pk in stay]
            plan.kept.setdefault(link.label, {})[link.field.name] = kept
    return plan


def _blocker(link: Link, pks: list[Any]) -> str:
    rows = list(link.model._base_manager.filter(pk__in=pks)[:5])
    if link.label == "people.episode":
        programs = ", ".join(sorted({str(getattr(r, "program", "")) for r in rows}))
        return _(
            "Both records have an open episode in %(program)s. Close one of them first (with "
            "the client), then merge."
        ) % {"program": programs}
    return _(
        "Both records have one of these, and a client can have only one: %(what)s (%(rows)s). "
        "Resolve this on one of the records first, then merge."
    ) % {
        "what": link.model._meta.verbose_name,
        "rows": "; ".join(str(r) for r in rows),
    }


# --- field values -------------------------------------------------------------------------


def _values(client: Client) -> dict[str, Any]:
    """The client's editable fields as JSON-ready values."""
    return {name: plain(getattr(client, name)) for name in CLIENT_FIELDS}


def _python(name: str, value: Any) -> Any:
    return Client._meta.get_field(name).to_python(value)  # type: ignore[union-attr]


def display_value(name: str, value: Any) -> str:
    """A field's value as a person reads it (choices by their label, yes/no, ISO dates)."""
    if value is None or value == "":
        return ""
    if value == HIDDEN:
        return HIDDEN
    model_field = Client._meta.get_field(name)
    choices = dict(model_field.choices or ())  # type: ignore[union-attr]
    if value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(plain(value))


@dataclass(frozen=True)
class FieldDifference:
    name: str
    label: str
    survivor: Any
    duplicate: Any
    hidden: bool  # a confidential address the actor may not see
    suggested: str  # which side the page preselects

    @property
    def survivor_display(self) -> str:
        return display_value(self.name, self.survivor)

    @property
    def duplicate_display(self) -> str:
        return display_value(self.name, self.duplicate)


@dataclass
class MergePreview:
    survivor: Client
    duplicate: Client
    differences: list[FieldDifference]
    rows: RowPlan

    @property
    def blockers(self) -> list[str]:
        return self.rows.blockers


class MergeBlocked(DomainError):
    """The records hold one-of-a-kind rows that must be resolved before merging."""

    status_code = 409

    def __init__(self, blockers: list[str]):
        super().__init__(" ".join(blockers))
        self.blockers = blockers

    def api_body(self) -> dict[str, list[str]]:
        return {"blockers": self.blockers}


def check_may_merge(*, acting_user: User, survivor: Client, duplicate: Client) -> None:
    """Both records in the actor's agency, neither already merged, both on teams the actor
    supervises (or the actor is an agency admin); else NotAllowed/DomainError."""
    if survivor.pk == duplicate.pk:
        raise DomainError(_("A record cannot be merged with itself."))
    if survivor.agency_id != duplicate.agency_id:
        raise DomainError(_("Both records must belong to the same agency."))
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise DomainError(_("One of these records has already been merged."))
    for client in (survivor, duplicate):
        if not may_manage_client(acting_user, agency_id=client.agency_id, team_id=client.team_id):
            raise NotAllowed(
                _("Only a supervisor of both records' teams or an agency admin can merge them.")
            )


def _may_see_both_addresses(user: User, survivor: Client, duplicate: Client) -> bool:
    return may_see_address_of(user, survivor) and may_see_address_of(user, duplicate)


def merge_preview(*, acting_user: User, survivor: Client, duplicate: Client) -> MergePreview:
    """What a merge would do: the fields that differ (a confidential address masked for those
    who may not see it), the rows that would move or stay, and what blocks the merge."""
    check_may_merge(acting_user=acting_user, survivor=survivor, duplicate=duplicate)
    show_address = _may_see_both_addresses(acting_user, survivor, duplicate)
    mine, theirs = _values(survivor), _values(duplicate)
    differences = []
    for name in CLIENT_FIELDS:
        if mine[name] == theirs[name]:
            continue
        hidden = name in ADDRESS_CONTROL_FIELDS and not show_address
        empty_here = mine[name] in ("", None) and theirs[name] not in ("", None)
        differences.append(
            FieldDifference(
                name=name,
                label=str(Client._meta.get_field(name).verbose_name),  # type: ignore[union-attr]
                survivor=HIDDEN if hidden else getattr(survivor, name),
                duplicate=HIDDEN if hidden else getattr(duplicate, name),
                hidden=hidden,
                suggested=DUPLICATE if empty_here and not hidden else SURVIVOR,
            )
        )
    return MergePreview(survivor, duplicate, differences, _row_plan(survivor, duplicate))


def _clean_choices(choices: Mapping[str, Any]) -> dict[str, str]:
    unknown = sorted(set(choices) - set(CLIENT_FIELDS))
    if unknown:
        raise DomainError(
            _("These fields cannot be chosen in a merge: %(f)s") % {"f": ", ".join(unknown)},
            field_errors={"choices": [_("Unknown field.")]},
        )
    bad = sorted(name for name, side in choices.items() if side not in SIDES)
    if bad:
        raise DomainError(
            _("Choose “survivor” or “duplicate” for: %(f)s") % {"f": ", ".join(bad)},
            field_errors={name: [_("Choose one of the two records.")] for name in bad},
        )
    return {name: str(side) for name, side in choices.items()}


def _lock_pair(first_id: int, second_id: int) -> tuple[Client, Client]:
    locked = (
        Client.objects.select_for_update(of=("self",))
        .select_related("team", "primary_worker")
        .filter(pk__in=[first_id, second_id])
        .order_by("pk")
        .in_bulk()
    )
    return locked[first_id], locked[second_id]


def _save_fields(client: Client, values: Mapping[str, Any], **extra: Any) -> None:
    """Write restored or chosen field values (with the derived search columns) in one UPDATE."""
    for name, value in values.items():
        setattr(client, name, value)
    client_refresh_search_fields(client)
    validated(client)
    Client.objects.filter(pk=client.pk).update(
        **{name: getattr(client, name) for name in CLIENT_FIELDS},
        **{name: getattr(client, name) for name in SEARCH_FIELDS},
        updated_at=timezone.now(),
        **extra,
    )


def _move_rows(rows: RowMap, to_client_id: int) -> None:
    for label, fields in rows.items():
        model = apps.get_model(label)
        for name, pks in fields.items():
            attname = _attname(model, name)
            for start in range(0, len(pks), MOVE_CHUNK):
                model._base_manager.filter(pk__in=pks[start : start + MOVE_CHUNK]).update(
                    **{attname: to_client_id}
                )


def clients_merge(
    *,
    acting_user: User,
    survivor: Client,
    duplicate: Client,
    choices: Mapping[str, str],
    reason: str,
    request: HttpRequest | None = None,
) -> ClientMerge:
    """Merge `duplicate` into `survivor` in one transaction.

    Every linked row moves to the survivor (one-of-a-kind rows as the module docstring says);
    each differing field takes the value of the record named in `choices` (the survivor's
    where none is named); the duplicate is marked merged and hidden. Audited as
    `client.merged` (rows moved per model, rows kept, field choices, the survivor's changed
    fields) on the survivor and `client.merged_into` on the duplicate. Raises NotAllowed (403),
    MergeBlocked (409) or DomainError (400); then nothing has changed.
    """
    reason = _reason(reason)
    choices = _clean_choices(choices)
    try:
        with transaction.atomic():
            s, d = _lock_pair(survivor.pk, duplicate.pk)
            check_may_merge(acting_user=acting_user, survivor=s, duplicate=d)
            before_s, before_d = _values(s), _values(d)
            effective = {
                name: choices.get(name, SURVIVOR)
                for name in CLIENT_FIELDS
                if before_s[name] != before_d[name]
            }
            takes = {name for name, side in effective.items() if side == DUPLICATE}
            if takes & set(ADDRESS_CONTROL_FIELDS) and not _may_see_both_addresses(
                acting_user, s, d
            ):
                raise DomainError(
                    _("Only the assigned worker can see or change a confidential address."),
                    field_errors={
                        name: [_("Keep the surviving record's value.")]
                        for name in sorted(takes & set(ADDRESS_CONTROL_FIELDS))
                    },
                )
            rows = _row_plan(s, d)
            if rows.blockers:
                raise MergeBlocked(rows.blockers)
            if takes:
                _save_fields(s, {name: getattr(d, name) for name in takes}, version=s.version + 1)
                s.version += 1
            _move_rows(rows.moving, s.pk)
            Client.objects.filter(pk=d.pk).update(merged_into=s.pk, updated_at=timezone.now())
            d.merged_into = s
            merge = ClientMerge.objects.create(
                agency_id=s.agency_id,
                survivor=s,
                duplicate=d,
                merged_by=acting_user,
                reason=reason,
                moved=rows.moving,
                kept=rows.kept,
                choices=effective,
                fields_before={SURVIVOR: before_s, DUPLICATE: before_d},
            )
            after_s = _values(s)
            audit_record(
                actor=acting_user,
                action="client.merged",
                target=s,
                changes={
                    "merge_id": [None, merge.pk],
                    "duplicate_id": [None, d.pk],
                    "moved": [None, rows.moving],
                    "kept": [None, rows.kept],
                    "choices": [None, effective],
                    "fields": [
                        None,
                        changed_fields(before_s, after_s, hidden=audit_hidden(before_s, before_d)),
                    ],
                    "reason": [None, reason],
                },
                request=request,
            )
            audit_record(
                actor=acting_user,
                action="client.merged_into",
                target=d,
                changes={"merge_id": [None, merge.pk], "survivor_id": [None, s.pk]},
                request=request,
            )
    except IntegrityError as exc:
        raise DomainError(
            _(
                "These records cannot be merged: a rule of the database refused it. "
                "Nothing was changed."
            )
        ) from exc
    return merge


# --- undo -----------------------------------------------------------------------------------


def _split_links(a_id: int, b_id: int) -> list[str]:
    """What links rows of one record to rows of the other (child row on one record, its
    parent row — itself a client's row — on the other). Empty when the two are cleanly apart."""
    links = client_links()
    by_model: dict[type[Model], Link] = {}
    for link in links:
        by_model.setdefault(link.model, link)
    found = []
    for link in links:
        for fk in link.model._meta.concrete_fields:
            if not fk.is_relation or fk.related_model is Client:
                continue
            parent = by_model.get(fk.related_model)  # type: ignore[arg-type]
            if parent is None:
                continue
            through = f"{fk.name}__{parent.field.name}"
            crossing = Q(**{link.field.attname: a_id, through: b_id}) | Q(
                **{link.field.attname: b_id, through: a_id}
            )
            if link.model._base_manager.filter(crossing).exists():
                found.append(str(link.model._meta.verbose_name_plural))
        # Many-to-many links (a note's goals, a goal's strengths and supports): a row of one
        # record linked to a row of the other would leave one person's data on the other.
        for m2m in link.model._meta.many_to_many:
            parent = by_model.get(m2m.related_model)  # type: ignore[arg-type]
            if parent is None:
                continue
            through = f"{m2m.name}__{parent.field.name}"
            crossing = Q(**{link.field.attname: a_id, through: b_id}) | Q(
                **{link.field.attname: b_id, through: a_id}
            )
            if link.model._base_manager.filter(crossing).exists():
                found.append(str(link.model._meta.verbose_name_plural))
    return sorted(set(found))


def merge_undo(
    *, acting_user: User, merge: ClientMerge, request: HttpRequest | None = None
) -> ClientMerge:
    """Undo a merge in one transaction: the recorded rows move back, `merged_into` is cleared,
    both records' fields are restored — except the survivor's fields edited since the merge,
    which keep their current values (listed in `undo_detail["kept_fields"]`). Refused, with
    nothing changed, in the cases the module docstring lists. Audited as
    `client.merge_undone` (survivor) and `client.unmerged` (the restored record)."""
    try:
        with transaction.atomic():
            current = ClientMerge.objects.select_for_update().get(pk=merge.pk)
            if current.undone_at is not None:
                raise DomainError(_("This merge has already been undone."))
            s, d = _lock_pair(current.survivor_id, current.duplicate_id)
            if not all(
                may_manage_client(acting_user, agency_id=c.agency_id, team_id=c.team_id)
                for c in (s, d)
            ):
                raise NotAllowed(
                    _(
                        "Only a supervisor of both records' teams or an agency admin can undo "
                        "a merge."
                    )
                )
            if s.merged_into_id is not None:
                raise DomainError(
                    _(
                        "The kept record has since been merged into another record. Undo that "
                        "merge first."
                    )
                )
            if d.merged_into_id != s.pk:
                raise DomainError(_("The merged record is no longer merged into this one."))

            moved_back: RowMap = {}
            missing: RowMap = {}
            elsewhere: list[str] = []
            for label, fields in current.moved.items():
                try:
                    model = apps.get_model(label)
                except LookupError:
                    missing[label] = fields
                    continue
                for name, pks in fields.items():
                    attname = _attname(model, name)
                    owners = {
                        str(pk): owner
                        for pk, owner in model._base_manager.filter(pk__in=pks).values_list(
                            "pk", attname
                        )
                    }
                    back = [pk for pk in pks if owners.get(str(pk)) == s.pk]
                    gone = [pk for pk in pks if str(pk) not in owners]
                    if len(back) + len(gone) != len(pks):
                        elsewhere.append(str(model._meta.verbose_name_plural))
                    if back:
                        moved_back.setdefault(label, {})[name] = back
                    if gone:
                        missing.setdefault(label, {})[name] = gone
            if elsewhere:
                raise DomainError(
                    _(
                        "Some records that came with the merge now belong to another client "
                        "(%(what)s). Nothing was changed."
                    )
                    % {"what": ", ".join(sorted(set(elsewhere)))}
                )
            _move_rows(moved_back, d.pk)
            split = _split_links(s.pk, d.pk)
            if split:
                raise DomainError(
                    _(
                        "Since the merge, %(what)s were linked to records that came from the "
                        "merged record; undoing would split them between two people. Move or "
                        "remove those links first. Nothing was changed."
                    )
                    % {"what": ", ".join(split)}
                )

            before = current.fields_before
            merged_values = {
                name: before[current.choices.get(name, SURVIVOR)][name] for name in CLIENT_FIELDS
            }
            now_values = _values(s)
            kept_fields = [n for n in CLIENT_FIELDS if now_values[n] != merged_values[n]]
            restore = {
                name: _python(name, before[SURVIVOR][name])
                for name in CLIENT_FIELDS
                if name not in kept_fields and now_values[name] != before[SURVIVOR][name]
            }
            if restore:
                _save_fields(s, restore, version=s.version + 1)
                s.version += 1
            d.merged_into = None
            _save_fields(
                d,
                {name: _python(name, before[DUPLICATE][name]) for name in CLIENT_FIELDS},
                merged_into=None,
            )

            current.undone_at = timezone.now()
            current.undone_by = acting_user
            current.undo_detail = {"kept_fields": kept_fields, "missing": missing}
            current.save(update_fields=["undone_at", "undone_by", "undo_detail"])
            hidden = audit_hidden(before[SURVIVOR], before[DUPLICATE], now_values)
            audit_record(
                actor=acting_user,
                action="client.merge_undone",
                target=s,
                changes={
                    "merge_id": [None, current.pk],
                    "duplicate_id": [None, d.pk],
                    "moved_back": [None, moved_back],
                    "missing": [None, missing],
                    "kept_fields": [None, kept_fields],
                    "fields": [None, changed_fields(now_values, _values(s), hidden=hidden)],
                },
                request=request,
            )
            audit_record(
                actor=acting_user,
                action="client.unmerged",
                target=d,
                changes={"merge_id": [None, current.pk], "survivor_id": [s.pk, None]},
                request=request,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("This merge cannot be undone: a rule of the database refused it. Nothing changed.")
        ) from exc
    return current
