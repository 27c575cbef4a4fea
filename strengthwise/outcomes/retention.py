"""Retention: which client records are due to be deleted, deleting them, and legal holds.

The rule (what a records manager expects)
-----------------------------------------
Each program may keep closed records for `Program.retention_years` (empty: forever). A
client's record is **due for purge** when

* none of their episodes is open;
* every episode is in a program with a retention period — one program that keeps forever
  keeps the whole record forever, and a client never enrolled anywhere is never due;
* every episode's period has passed: an episode closed on 2018-03-01 in a 7-year program is
  kept through 2025-03-01 and due from 2025-03-02. With several episodes the latest end wins,
  so the longest applicable period decides;
* no legal hold is in force on the record (`RetentionHold`, `strengthwise legal-hold`).

Records merged into another (`Client.merged_into`) are not judged alone: the survivor and
everything merged into it are one person, judged on all their episodes together and purged
together.

Purging
-------
One transaction per person: every row of every app that points at the client (found through
the model registry, as the merge finds them, so apps added later are covered), with
everything that cascades from those rows (plans, goals, notes, referrals, signed consent
forms and other uploads, which live in the database), the merge history naming the record,
then the client rows. A few foreign keys are PROTECT (a referral's consent, a reopening's
previous episode, a merged record's survivor): the rows that hold them go first, so the order
is deliberate and the database never has to give way. Should a row of *another* client hold
one (it should not happen), that person's purge is refused and rolled back, and the others go
on.

The audit trail is append-only and hash-chained, so the events about the client stay; each
purged record gets one `client.purged` event — the tombstone — carrying no identifying data:
the client id, the programs and dates that made it due, the merged record ids and the number
of rows removed per kind. `strengthwise verify-audit` still passes afterwards.

On SQLite the purge also overwrites what it freed (`PRAGMA secure_delete`), merges the
full-text indexes so no name or note words linger in old index segments, and checkpoints the
write-ahead log; PostgreSQL reclaims the space with (auto)vacuum (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from strengthwise.accounts.models import Agency
from strengthwise.audit.services import audit_record
from strengthwise.core.errors import DomainError
from strengthwise.people.merge import client_links
from strengthwise.people.models import Client, ClientMerge, Episode

from . import snapshots
from .models import RetentionHold

PURGED = "client.purged"

# Why a record is not (or no longer) due: shown by `strengthwise purge` for records it skips.
HELD = "on legal hold"
OPEN = "an episode is open"
FOREVER = "a program keeps its records forever"
NEVER_ENROLLED = "never in a program"
MERGED = "merged into another record (purged with it)"
GONE = "no such record"


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class ClosedEpisode:
    program_id: int
    program: str
    retention_years: int
    closed_on: dt.date

    @property
    def kept_until(self) -> dt.date:
        """The last day this episode keeps the record."""
        return add_years(self.closed_on, self.retention_years)


@dataclass(frozen=True)
class DueRecord:
    """A person due for purge: the surviving record, the records merged into it, and the
    closed episodes (with their programs' periods) that make it due."""

    client_id: int
    agency_id: int
    merged_ids: tuple[int, ...]
    episodes: tuple[ClosedEpisode, ...]

    @property
    def deciding(self) -> ClosedEpisode:
        """The episode whose period ends last: the one that decides the date."""
        return max(self.episodes, key=lambda e: (e.kept_until, e.closed_on, e.program_id))

    @property
    def due_since(self) -> dt.date:
        return self.deciding.kept_until + dt.timedelta(days=1)

    @property
    def last_closed_on(self) -> dt.date:
        return max(e.closed_on for e in self.episodes)


# (program id, program name, retention years or None, closed on or None) per episode.
EpisodeRow = tuple[int, str, int | None, dt.date | None]


def closed_episodes(rows: Iterable[EpisodeRow]) -> tuple[ClosedEpisode, ...] | str:
    """The person's episodes if all are closed in programs with a period, else why not (pure)."""
    episodes = []
    for program_id, program, years, closed_on in rows:
        if closed_on is None:
            return OPEN
        if years is None:
            return FOREVER
        episodes.append(ClosedEpisode(program_id, program, years, closed_on))
    if not episodes:
        return NEVER_ENROLLED
    return tuple(sorted(episodes, key=lambda e: (e.closed_on, e.program_id)))


def _episode_rows(episodes: models.QuerySet[Episode]) -> Any:
    return episodes.values_list(
        "client_id",
        "agency_id",
        "program_id",
        "program__name",
        "program__retention_years",
        "closed_on",
    ).order_by("client_id", "id")


def due_for_purge(*, agency: Agency | None = None, today: dt.date | None = None) -> list[DueRecord]:
    """Every person (surviving record) whose record is due for purge on `today`, oldest due
    first. Reads every episode of the agency (or of all agencies) once, in one pass: this is a
    job for a nightly command, not a page."""
    today = today or timezone.localdate()
    clients = Client.objects.all() if agency is None else Client.objects.filter(agency=agency)
    parent = dict(clients.filter(merged_into__isnull=False).values_list("pk", "merged_into_id"))

    def root(pk: int) -> int:
        seen = set()
        while pk in parent and pk not in seen:
            seen.add(pk)
            pk = parent[pk]
        return pk

    merged: dict[int, list[int]] = defaultdict(list)
    for pk in parent:
        merged[root(pk)].append(pk)
    holds = RetentionHold.objects.filter(released_at__isnull=True)
    if agency is not None:
        holds = holds.filter(agency=agency)
    blocked = {root(pk) for pk in holds.values_list("client_id", flat=True)}

    rows: dict[int, list[EpisodeRow]] = defaultdict(list)
    agency_of: dict[int, int] = {}
    episodes = Episode.objects.all() if agency is None else Episode.objects.filter(agency=agency)
    for client_id, agency_id, program_id, program, years, closed_on in _episode_rows(
        episodes
    ).iterator(chunk_size=5000):
        pk = root(client_id)
        if pk in blocked:
            continue
        if closed_on is None or years is None:  # open, or kept forever: drop what we have
            blocked.add(pk)
            rows.pop(pk, None)
            continue
        rows[pk].append((program_id, program, years, closed_on))
        agency_of[pk] = agency_id

    due = []
    for pk, person_rows in rows.items():
        found = closed_episodes(person_rows)
        if isinstance(found, str):
            continue
        record = DueRecord(pk, agency_of[pk], tuple(sorted(merged.get(pk, ()))), found)
        if record.due_since <= today:
            due.append(record)
    return sorted(due, key=lambda r: (r.due_since, r.client_id))


# --- purging ---------------------------------------------------------------------------------


class PurgeBlocked(DomainError):
    """A row outside the person's record protects one of theirs; nothing of theirs was deleted."""

    status_code = 409


@dataclass
class PurgeOutcome:
    client_id: int
    purged: bool  # False in a dry run, and when skipped
    record: DueRecord | None = None
    skipped: str = ""  # why not, when not due (any more) or refused
    rows: dict[str, int] = field(default_factory=dict)  # model label: rows removed

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _group(root_id: int) -> list[int]:
    """The record and every record merged into it (at any depth)."""
    ids, frontier = [root_id], [root_id]
    while frontier:
        frontier = list(
            Client.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def _judge(client_id: int, today: dt.date, *, lock: bool) -> DueRecord | str:
    """Whether this one person is due now, from the database as it is (locked for a purge)."""
    rows = Client.objects.select_for_update() if lock else Client.objects.all()
    client = rows.filter(pk=client_id).values("pk", "agency_id", "merged_into_id").first()
    if client is None:
        return GONE
    if client["merged_into_id"] is not None:
        return MERGED
    ids = _group(client_id)
    if lock:
        list(Client.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
    if RetentionHold.objects.filter(client_id__in=ids, released_at__isnull=True).exists():
        return HELD
    episodes = Episode.objects.filter(client_id__in=ids)
    found = closed_episodes(tuple(row[2:]) for row in _episode_rows(episodes))
    if isinstance(found, str):
        return found
    record = DueRecord(client_id, client["agency_id"], tuple(sorted(ids[1:])), found)
    if record.due_since > today:
        return f"kept until {record.deciding.kept_until.isoformat()}"
    return record


def _delete_rows(ids: Sequence[int]) -> dict[str, int]:
    """Delete everything of these client records; the rows removed per model label."""
    removed: Counter[str] = Counter()

    def count(result: tuple[int, dict[str, int]]) -> None:
        for label, n in result[1].items():
            if n:
                removed[label.lower()] += n

    # The merge history holds both records' fields and protects the client rows: first.
    count(ClientMerge.objects.filter(Q(survivor_id__in=ids) | Q(duplicate_id__in=ids)).delete())
    # Rows pointing at the client, each with what cascades from it. A row that another row of
    # the same person protects (a consent under its referrals, an episode a later reopening
    # names) waits for the next round, after the rows protecting it are gone.
    pending = [
        link
        for link in client_links()
        if link.field.remote_field.on_delete in (models.CASCADE, models.PROTECT)
    ]
    while pending:
        waiting, refusals = [], []
        for link in pending:
            rows = link.model._base_manager.filter(**{f"{link.field.attname}__in": ids})
            try:
                with transaction.atomic():
                    count(rows.delete())
            except models.ProtectedError as error:
                waiting.append(link)
                refusals += sorted({o._meta.label_lower for o in error.protected_objects})
        if len(waiting) == len(pending):
            raise PurgeBlocked(
                "rows outside this record protect some of its rows: " + ", ".join(refusals)
            )
        pending = waiting
    Client.objects.filter(pk__in=ids).update(merged_into=None)
    count(Client.objects.filter(pk__in=ids).delete())
    return dict(sorted(removed.items()))


def _tombstone(record: DueRecord, rows: dict[str, int], acting_label: str) -> None:
    """The purge in the audit trail: ids, programs, dates and counts; never a name."""
    episodes = [
        {
            "program_id": e.program_id,
            "program": e.program,
            "retention_years": e.retention_years,
            "closed_on": e.closed_on.isoformat(),
            "kept_until": e.kept_until.isoformat(),
        }
        for e in record.episodes
    ]
    audit_record(
        actor=None,
        actor_label=acting_label,
        action=PURGED,
        target_type="people.client",
        target_id=str(record.client_id),
        client_id=record.client_id,
        agency_id=record.agency_id,
        changes={
            "episodes": [None, episodes],
            "last_closed_on": [None, record.last_closed_on.isoformat()],
            "due_since": [None, record.due_since.isoformat()],
            "merged_records": [None, list(record.merged_ids)],
            "rows_removed": [None, rows],
        },
    )
    for merged_id in record.merged_ids:  # every client id in the trail ends in a tombstone
        audit_record(
            actor=None,
            actor_label=acting_label,
            action=PURGED,
            target_type="people.client",
            target_id=str(merged_id),
            client_id=merged_id,
            agency_id=record.agency_id,
            changes={"purged_with": [None, record.client_id]},
        )


def purge(
    *,
    clients: Iterable[DueRecord | int],
    acting_label: str,
    dry_run: bool,
    today: dt.date | None = None,
) -> list[PurgeOutcome]:
    """Delete each person's whole record, one transaction per person, with its tombstone.

    `clients` are surviving records (ids or `DueRecord`s from `due_for_purge`); each is judged
    again, under lock, at the moment it is purged — a record reopened or put on hold since the
    list was made is skipped with the reason. A dry run judges and deletes nothing."""
    today = today or timezone.localdate()
    outcomes = []
    sqlite = connection.vendor == "sqlite" and not dry_run
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            secure_before = cursor.fetchone()[0]
            cursor.execute("PRAGMA secure_delete = ON")  # freed pages are overwritten
    try:
        for item in clients:
            client_id = item.client_id if isinstance(item, DueRecord) else int(item)
            if dry_run:
                judged = _judge(client_id, today, lock=False)
                if isinstance(judged, str):
                    outcomes.append(PurgeOutcome(client_id, False, skipped=judged))
                else:
                    outcomes.append(PurgeOutcome(client_id, False, judged))
                continue
            try:
                with transaction.atomic():
                    judged = _judge(client_id, today, lock=True)
                    if isinstance(judged, str):
                        outcomes.append(PurgeOutcome(client_id, False, skipped=judged))
                        continue
                    rows = _delete_rows([judged.client_id, *judged.merged_ids])
                    _tombstone(judged, rows, acting_label)
                    # Report snapshots may hold the person's words and id (outcomes/snapshots.py).
                    snapshots.forget(judged.agency_id)
            except PurgeBlocked as error:
                outcomes.append(PurgeOutcome(client_id, False, skipped=error.message))
                continue
            outcomes.append(PurgeOutcome(client_id, True, judged, rows=rows))
        if sqlite and any(o.purged for o in outcomes):
            _sqlite_scrub()
    finally:
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA secure_delete = {int(secure_before)}")
    return outcomes


def _sqlite_scrub() -> None:
    """After deleting on SQLite: merge every FTS5 index (deleted rows' words otherwise stay in
    older index segments until a merge) and, outside a transaction, checkpoint the WAL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND sql LIKE 'CREATE VIRTUAL TABLE%' AND lower(sql) LIKE '%using fts5%'"
        )
        for (table,) in cursor.fetchall():
            quoted = connection.ops.quote_name(table)  # a name from sqlite_master, quoted
            cursor.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('optimize')")  # noqa: S608
        if not connection.in_atomic_block:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --- legal holds -----------------------------------------------------------------------------


def retention_holds(*, agency: Agency | None = None) -> models.QuerySet[RetentionHold]:
    """Holds in force, newest first."""
    holds = RetentionHold.objects.filter(released_at__isnull=True)
    return holds if agency is None else holds.filter(agency=agency)


def retention_hold_place(*, client_id: int, reason: str, acting_label: str) -> RetentionHold:
    """Put a record on legal hold: `strengthwise purge` leaves it until the hold is released.
    A hold on a merged record is placed on the record it was merged into (the person)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Say why the record is held (a case or request reference).")
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(pk=client_id).first()
        seen = set()
        while client is not None and client.merged_into_id and client.pk not in seen:
            seen.add(client.pk)
            client = Client.objects.filter(pk=client.merged_into_id).first()
        if client is None:
            raise DomainError(f"No client record {client_id}.")
        hold = RetentionHold(
            agency_id=client.agency_id, client=client, reason=reason, placed_by=acting_label
        )
        hold.full_clean()
        hold.save()
        audit_record(
            actor=None,
            actor_label=acting_label,
            action="client.legal_hold_placed",
            target=hold,
            client_id=client.pk,
            changes={"reason": [None, reason]},
        )
    return hold


def retention_hold_release(*, client_id: int, acting_label: str) -> int:
    """Lift every hold in force on this record; how many were lifted."""
    with transaction.atomic():
        holds = list(
            RetentionHold.objects.select_for_update().filter(
                client_id=client_id, released_at__isnull=True
            )
        )
        if not holds:
            raise DomainError(f"Client record {client_id} has no legal hold in force.")
        now = timezone.now()
        for hold in holds:
            hold.released_at, hold.released_by = now, acting_label
            hold.save(update_fields=["released_at", "released_by"])
            audit_record(
                actor=None,
                actor_label=acting_label,
                action="client.legal_hold_released",
                target=hold,
                client_id=client_id,
            )
    return len(holds)
