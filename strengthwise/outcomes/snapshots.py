"""Report snapshots: the reports' figures kept per scope, so that a reports page at agency scale
reads one row instead of running ~50 aggregate queries over the whole scope (at 100,000 clients
8.8 s for an agency, 23 s for a supervisor's two teams).

**What is kept.** One `ReportSnapshot` per agency and scope key: `measures.measure_all`'s raw
result (before de-identification: the role gate, de-identification and small-count suppression
still run on every read, exactly as before), encoded by `encode` (a JSON that gives back the
same values and types) and sealed at rest — it holds clients' words (strengths) and, for the
data-quality figures, client ids. The key (`scope_key`) is everything the figures depend on
besides the data: agency, program, team, worker, period, the SQL of the reader's client ids
(a worker's own caseload, a supervisor's teams), the language (labels are translated while
computing) and a fingerprint of the code that computes them.

**The invalidation rule.** `ReportsVersion.version` (one row per agency) is raised in the
writer's transaction by every write that can move a figure (`mark_changed`, connected in
`outcomes/apps.py`): a save or delete of the rows the measures read (clients, episodes, plans,
goals and their days in the plan, GAS follow-ups, strengths links, factors, screenings,
matrices and their scores, strengths-assessment versions, referrals, the agency, its programs
and teams; a directory row raises every agency), and the audit event of a write about those
(`QuerySet.update()` sends no model signal, but every write service audits after its change).
The raise itself happens while the audit event is written (the audit head is locked then, so
writers already queue there and no new lock order appears), after the commit for a write that
audits nothing, and before a read on the same connection. A snapshot is **fresh** when it was
computed at the current version for the agency's current day: then it is what `measure_all`
returns now (tests/test_snapshots.py holds the two equal on randomised data and writes).

**When it is not fresh.** A snapshot that took less than `exact_below()` seconds to compute
(default 1 s: every caseload and small team) is computed again on the request: cheap reports
are always exact. A dearer one is shown as it is for up to `stale_seconds()` (default 15
minutes) after it was computed — the page and the API say "as of" when — and the first read
more than `refresh_after()` after its computation (60 s, or ten times what that computation
took if longer, so that the dearest reports do not keep a core busy) starts a refresh in a
background thread (one at a time per process; a claim on the row keeps other processes off it)
— or, under `strengthwise serve` (refresh mode "process"), is left to the report refresher, a
process of its own at the lowest CPU priority that computes what readers are waiting for first
and then the dear reports gone stale (`refresh_next`), so that no web worker spends its CPU on
one. Older (or of an earlier day), or missing: a web request starts that refresh and waits up
to `wait_seconds()` (5 s) for it — unless the snapshot's last computation took longer than that
wait (an agency of 100,000 clients: minutes), when waiting could not succeed: such a report is
shown as of its last computation at once, however old, while it is computed again behind it (so
with the refresh "off", until `strengthwise refresh-reports` runs; that command also deletes
snapshots not computed for 30 days); its data-quality table still says the day it is as of.
Past the limit a command (no wait) computes on the spot; an explicit day always does.
`strengthwise refresh-reports` refreshes every stale snapshot (for a timer after busy hours, or
after a bulk load) and prunes old ones.

**Reading a fresh snapshot** costs no unsealing and no decoding when this process has read
the same stored figures before: the decoded figures (raw or de-identified, kept apart) are
held in a bounded per-process LRU (`STRENGTHWISE_REPORT_CACHE_CHARS`, the JSON size it may
hold; 0: off), keyed by the row, its version, day, computation time and the head of its
sealed text (a fresh random nonce on every store), so a figure stored since is never served
from it. A read fetches only that head and the text's length; the whole text (an agency's is
over a megabyte, 25 ms a read on PostgreSQL at 100,000 clients) only when this process has not
decoded it yet. What is made from them (the report's tables, the export files) is kept with them
(`derived`). They are shared between readers of this process: read-only.

Known limits: a write that neither saves a watched model nor audits (raw SQL, `bulk_create`
outside `strengthwise seed`) is not seen until the next write of the agency; the data-quality
drill-down list (`selectors.data_quality_list`) is computed on the request, so its count can
be newer than a stale page's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.functions import Substr
from django.utils import timezone, translation

from strengthwise.accounts.models import Agency
from strengthwise.core import crypto, db_router
from strengthwise.core.fields import SealedTextField
from strengthwise.directory.models import Service

from . import deidentify, measures, suppression
from .models import ReportSnapshot, ReportsVersion

log = logging.getLogger(__name__)

ALL = 0  # "every agency" in a pending set (a directory row: the directory is shared)
CLAIM_SECONDS = 10 * 60  # a refresh claimed longer ago than this is taken as abandoned
_TAG = "__sw"
HEAD = 120  # characters of a stored text read to know it (its key id and nonce lie within)


class StoredLength(Func):
    """A stored text's length without reading it where the database can: PostgreSQL's
    `octet_length` takes it from the value's header (a sealed text is ASCII, so bytes are
    characters), SQLite's `length` of the text."""

    function = "LENGTH"
    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="OCTET_LENGTH", **extra)


# --- settings ---------------------------------------------------------------------------------


def enabled() -> bool:
    return bool(getattr(settings, "STRENGTHWISE_REPORT_SNAPSHOTS", True))


def exact_below() -> float:
    """Seconds: a report that computed faster than this is never shown stale."""
    default = 60.0 if settings.TESTING else 1.0  # tests expect exact figures after each write
    return float(getattr(settings, "STRENGTHWISE_REPORT_EXACT_BELOW", default))


def stale_seconds() -> float:
    return float(getattr(settings, "STRENGTHWISE_REPORT_STALE_SECONDS", 15 * 60))


def refresh_seconds() -> float:
    return float(getattr(settings, "STRENGTHWISE_REPORT_REFRESH_SECONDS", 60))


def refresh_after(took: float) -> float:
    """Seconds after its last computation began that a dear snapshot whose computation took
    `took` seconds is computed again: `refresh_seconds()`, or `STRENGTHWISE_REPORT_REFRESH_COST`
    (default 10) times what it took if that is longer. Without it, an agency whose figures
    take 38 s on PostgreSQL at 100,000 clients, written to all day, would keep one core
    computing them again every minute; with it, they are at most about six minutes old and the
    refresher spends at most a tenth of its time on them."""
    factor = float(getattr(settings, "STRENGTHWISE_REPORT_REFRESH_COST", 10))
    return max(refresh_seconds(), factor * took)


def wait_seconds() -> float:
    """How long a page waits for figures computed in the background before saying they are
    being prepared (well under the server's 30 s limit)."""
    return float(getattr(settings, "STRENGTHWISE_REPORT_WAIT_SECONDS", 5))


def cache_chars() -> int:
    """How much decoded figures a process keeps for repeated reads (their JSON length in
    characters; about ten times that in memory), 0: none."""
    return int(getattr(settings, "STRENGTHWISE_REPORT_CACHE_CHARS", 4_000_000))


def refresh_mode() -> str:
    """How a dear report is computed again: "background" (a thread of the web process),
    "process" (by `strengthwise refresh-reports --loop`, a process of its own at a low CPU
    priority, which `strengthwise serve` starts beside its workers: a web worker never spends
    its CPU on one), "inline" (before the read returns: tests) or "off" (only when
    `strengthwise refresh-reports` runs)."""
    default = "inline" if settings.TESTING else "background"
    return str(getattr(settings, "STRENGTHWISE_REPORT_REFRESH", default))


# --- encoding ---------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """`measure_all`'s result as JSON values that `decode` turns back into equal values of
    the same types (tuples, dates, suppression tables); a lazy queryset of client ids is
    evaluated into a list (the figures are "as of" the computation, so are their clients)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, QuerySet):
        return {_TAG: "list", "v": [encode(v) for v in value]}
    if isinstance(value, suppression.Table):
        return {
            _TAG: "table",
            "rows": list(value.rows),
            "columns": list(value.columns),
            "cells": [list(r) for r in value.cells],
        }
    if isinstance(value, dt.datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, tuple):
        return {_TAG: "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if _TAG not in value and all(type(k) is str for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {_TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot keep a {type(value).__name__} in a report snapshot")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: decode(v) for k, v in value.items()}
    if tag == "list":
        return [decode(v) for v in value["v"]]
    if tag == "table":
        return suppression.Table(
            rows=tuple(value["rows"]),
            columns=tuple(value["columns"]),
            cells=tuple(tuple(r) for r in value["cells"]),
        )
    if tag == "datetime":
        return dt.datetime.fromisoformat(value["v"])
    if tag == "date":
        return dt.date.fromisoformat(value["v"])
    if tag == "tuple":
        return tuple(decode(v) for v in value["v"])
    if tag == "dict":
        return {decode(k): decode(v) for k, v in value["v"]}
    raise ValueError(f"unknown value in a report snapshot: {tag!r}")


def dumps(figures: dict[str, Any]) -> str:
    return json.dumps(encode(figures), separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> dict[str, Any]:
    return decode(json.loads(text))  # type: ignore[no-any-return]


# --- the key ------------------------------------------------------------------------------------

_CODE_FILES = (
    "outcomes/measures.py",
    "plans/selectors.py",
    "plans/gas.py",
    "referrals/workflow.py",
)
_fingerprint: str | None = None


def code_fingerprint() -> str:
    """The code that computes the figures: a deploy that changes a rule makes every older
    snapshot unknown (read once per process)."""
    global _fingerprint
    if _fingerprint is None:
        root = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256()
        for name in _CODE_FILES:
            digest.update((root / name).read_bytes())
        _fingerprint = digest.hexdigest()[:16]
    return _fingerprint


def scope_key(scope: measures.Scope) -> str:
    """Everything the figures of `scope` depend on besides the data and the day."""
    ids: Any = None
    if scope.client_ids is not None:
        try:
            sql, params = scope.client_ids.query.sql_with_params()
            ids = [sql, [str(p) for p in params]]
        except EmptyResultSet:
            ids = "none"
    parts = {
        "agency": scope.agency_id,
        "program": scope.program_id,
        "team": scope.team_id,
        "worker": scope.worker_id,
        "start": scope.start.isoformat() if scope.start else None,
        "end": scope.end.isoformat() if scope.end else None,
        "clients": ids,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "code": code_fingerprint(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# --- the version: what raises it ------------------------------------------------------------


def _pending() -> set[int]:
    connection = connections[DEFAULT_DB_ALIAS]
    found: set[int] | None = getattr(connection, "_sw_reports_changed", None)
    if found is None:
        found = set()
        connection._sw_reports_changed = found  # type: ignore[attr-defined]
    return found


def mark_changed(agency_id: int | None) -> None:
    """A write that can move a figure of `agency_id` (None: of every agency) is under way on
    this connection. The version is raised at the write's audit event, at commit, or before
    the next report read on this connection, whichever comes first."""
    pending = _pending()
    first = not pending
    pending.add(agency_id or ALL)
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        flush()
    elif first:
        transaction.on_commit(flush)


def flush() -> None:
    """Raise the version of every agency marked on this connection (in its transaction)."""
    pending = _pending()
    if not pending:
        return
    agencies = set(pending)
    pending.clear()
    rows = ReportsVersion.objects.all()
    if ALL not in agencies:
        rows = rows.filter(agency_id__in=agencies)
    rows.update(version=F("version") + 1, changed_at=timezone.now())


# Audit actions after which figures may have moved (services that write with QuerySet.update()
# send no model signal). Reads are audited too and never count.
CHANGING = (
    "agency.",
    "caseload.",
    "client.",
    "closure.",
    "demo.",
    "directory.",
    "episode.",
    "factor.",
    "gas.",
    "goal.",
    "plan.",
    "program.",
    "referral.",
    "screening.",
    "seed.",
    "ssm.",
    "strengths_assessment.",
    "team.",
)
READS = (
    "viewed",
    "listed",
    "searched",
    "searched_for_client",
    "exported",
    "downloaded",
    "read",
    "duplicate_check",
)


def audit_changes_figures(action: str) -> bool:
    return action.startswith(CHANGING) and not action.endswith(READS)


def audited(action: str, agency_id: int | None) -> None:
    """An audit event was written: raise the versions marked so far in this transaction, and
    the event's agency's if the action is a write about what the reports read."""
    if audit_changes_figures(action):
        _pending().add(ALL if action.startswith("directory.") or not agency_id else agency_id)
    flush()


def ensure_version(agency_id: int) -> None:
    """The agency's version row (created with the agency; here for agencies made before)."""
    ReportsVersion.objects.bulk_create([ReportsVersion(agency_id=agency_id)], ignore_conflicts=True)


def forget(agency_id: int) -> int:
    """Drop every snapshot of the agency (a purge: the figures may hold a purged client's
    words and id), and this process's decoded copies of them."""
    deleted, _ = ReportSnapshot.objects.filter(agency_id=agency_id).delete()
    _decoded.drop_agency(agency_id)
    return deleted


# --- decoded figures kept per process -------------------------------------------------------


@dataclass
class _Entry:
    figures: dict[str, Any]
    size: int
    derived: dict[Hashable, Any] = field(default_factory=dict)
    # One lock per derived key being made, so that readers asking at once for the same thing
    # (an XLSX of an agency: seconds) wait for the first one's rather than each making it.
    making: dict[Hashable, threading.Lock] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Decoded:
    """A bounded LRU of decoded snapshots: token (`_token`) -> figures, and what was laid out
    from them. Bounded by the JSON length of the figures held (`cache_chars`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._by_object: dict[int, _Entry] = {}  # id(figures) of an entry held -> that entry
        self._size = 0

    def get(self, token: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            self._entries.move_to_end(token)
            return entry.figures

    def put(self, token: tuple[Any, ...], figures: dict[str, Any], size: int) -> None:
        budget = cache_chars()
        if size > budget:
            return
        with self._lock:
            if token in self._entries:
                return
            entry = _Entry(figures, size)
            self._entries[token] = entry
            self._by_object[id(figures)] = entry
            self._size += size
            while self._size > budget:
                self._pop(next(iter(self._entries)))

    def _pop(self, token: tuple[Any, ...]) -> None:
        entry = self._entries.pop(token)
        self._by_object.pop(id(entry.figures), None)
        self._size -= entry.size

    def entry_of(self, figures: dict[str, Any]) -> _Entry | None:
        with self._lock:
            entry = self._by_object.get(id(figures))
            return entry if entry is not None and entry.figures is figures else None

    def drop_agency(self, agency_id: int) -> None:
        with self._lock:
            for token in [t for t in self._entries if t[0] == agency_id]:
                self._pop(token)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_object.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)


_decoded = _Decoded()


def derived(figures: dict[str, Any], key: Hashable, make: Callable[[], Any]) -> Any:
    """`make()`, made once per decoded snapshot held in this process and kept with it (the
    tables laid out from `figures`, an export's bytes; `key` says what, in which language and
    for which context). Figures not held (computed just now, or the cache off) get `make()`
    every time. Threads asking at once for the same key wait for one `make()`; other keys are
    not held up (a `make` may itself ask for another key of the same figures). What is kept
    is shared by every later reader of the same figures: read-only. It is not counted in the
    cache's budget: it goes when its figures are evicted."""
    entry = _decoded.entry_of(figures)
    if entry is None:
        return make()
    found = entry.derived.get(key, _MISSING)
    if found is not _MISSING:
        return found
    with entry.lock:
        making = entry.making.setdefault(key, threading.Lock())
    with making:
        found = entry.derived.get(key, _MISSING)
        if found is _MISSING:
            found = entry.derived[key] = make()
    return found


_MISSING = object()


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AsOf:
    """When the figures shown were computed, and whether anything may have changed since."""

    at: dt.datetime
    fresh: bool


def _state(agency_id: int) -> tuple[int, zoneinfo.ZoneInfo]:
    """The agency's version and time zone (one query; two the first time)."""
    row = (
        ReportsVersion.objects.filter(agency_id=agency_id)
        .values_list("version", "agency__timezone")
        .first()
    )
    if row is not None:
        return int(row[0]), zoneinfo.ZoneInfo(row[1] or "UTC")
    ensure_version(agency_id)
    name = Agency.objects.filter(pk=agency_id).values_list("timezone", flat=True).first()
    return 0, zoneinfo.ZoneInfo(name or "UTC")


def figures_for(
    scope: measures.Scope,
    *,
    today: dt.date | None = None,
    reader_id: int | None = None,
    wait: float | None = None,
    deidentified: bool = False,
) -> tuple[dict[str, Any] | None, AsOf]:
    """`measures.measure_all(scope, today=today)` — from its snapshot when that is fresh, or
    dear to compute and recent (see the module docstring) — and when it was computed. The
    data-quality client ids come as lists (as of the computation) rather than querysets.
    `reader_id` is the user whose clients `scope.client_ids` selects (for a later refresh).

    `wait` (a web request; None: compute on the spot, as a command does): where there is
    nothing recent to show, compute in the background and wait that many seconds for it; if
    it is not done by then, give the old figures marked stale, or None when there are none
    yet ("being prepared") — so that no request runs into the server's time limit. Old
    figures whose last computation took longer than `wait` are given marked stale at once,
    past the stale limit and on a new day too, and their refresh started (in the background,
    inline or not at all, as `refresh_mode()` says): no request waits for a computation that
    took longer than it may wait the last time. An explicit `today` (exact figures for that
    day) is computed on the spot, and a report that computed in under `exact_below()` is
    never given stale: computed again (with the wait, for a web request).

    `deidentified`: the figures as `deidentify.deidentify` gives them to a de-identified
    reader (kept in the snapshot beside the raw ones)."""
    if not enabled():
        raw = measures.measure_all(scope, today=today)
        return (deidentify_figures(raw) if deidentified else raw), AsOf(timezone.now(), True)
    flush()  # this connection's own writes first
    version, tz = _state(scope.agency_id)
    exact = today is not None
    today = today or timezone.localtime(timezone.now(), tz).date()
    key = scope_key(scope)
    snap = _snapshot(scope.agency_id, key)
    now = timezone.now()
    shown: ReportSnapshot | None = (
        snap if snap is not None and _annotated(snap, "has_figures") else None
    )
    if shown is not None:
        if shown.version == version and shown.today == today:
            return _pick(shown, deidentified), AsOf(shown.computed_at, True)
        age = (now - shown.computed_at).total_seconds()
        cheap = shown.seconds < exact_below()
        if exact or cheap:
            shown = None  # computed again below, on the spot
        elif shown.today == today and age < stale_seconds():
            if age >= refresh_after(shown.seconds):
                _start_refresh(shown, scope, today, reader_id)
            return _pick(shown, deidentified), AsOf(shown.computed_at, False)
        elif wait is not None and shown.seconds > wait:
            # Past the stale limit or on a new day, but the last computation took longer than
            # a request may wait: waiting would end in these same figures. Shown as of then
            # at once, while they are computed again behind the page.
            _start_refresh(shown, scope, today, reader_id)
            return _pick(shown, deidentified), AsOf(shown.computed_at, False)
    mode = refresh_mode()
    # With a refresher process, a request computes only what is known to be cheap (below).
    dear = shown is not None or snap is None or not _annotated(snap, "has_figures")
    if wait is not None and not exact and (mode == "background" or (mode == "process" and dear)):
        if snap is None:
            snap = _placeholder(scope, key, today, reader_id)
        if mode == "process":
            done = _wait_for_refresher(snap, wait)
        else:
            done = None
            thread = _start_refresh(snap, scope, today, reader_id)
            if thread is not None:
                thread.join(wait)
            if thread is not None and not thread.is_alive():
                done = _snapshot(scope.agency_id, key)
        if done is not None and _annotated(done, "has_figures"):
            return _pick(done, deidentified), AsOf(done.computed_at, True)
        if shown is not None:
            return _pick(shown, deidentified), AsOf(shown.computed_at, False)
        return None, AsOf(now, False)
    figures, at = compute(
        scope,
        today=today,
        key=key,
        version=version,
        reader_id=reader_id,
        deidentified=deidentified,
    )
    return figures, AsOf(at, True)


def deidentify_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """What a de-identified reader gets of `figures` (the rules are deidentify.py's)."""
    rated = [s["service_id"] for s in figures["referrals"]["helpfulness_by_service"]]
    categories = measures._categories(Service.objects.filter(pk__in=rated).values("pk"))
    return deidentify.deidentify(figures, categories)


def _pick(snap: ReportSnapshot, deidentified: bool) -> dict[str, Any]:
    """The raw or the de-identified figures of a stored snapshot (`_snapshot`'s row: the head
    and the length of each sealed text as stored), decoded — or as decoded before in this
    process (`_decoded`), so that a read of figures held here fetches only the head of the
    text (an agency's figures are over a megabyte); the de-identified ones of a snapshot
    stored without them are made now and kept with that same computation."""
    which = "deidentified" if deidentified else "figures"
    head: str = _annotated(snap, f"head_{which}")
    if not head:  # stored before the de-identified figures were kept beside the raw ones
        raw = ReportSnapshot.objects.values_list("figures", flat=True).get(pk=snap.pk)
        text = dumps(deidentify_figures(loads(raw)))
        ReportSnapshot.objects.filter(pk=snap.pk, computed_at=snap.computed_at).update(
            deidentified=text
        )
        return loads(text)
    sealed = None if crypto.is_sealed(head) else _stored_text(snap, which)
    token = _token(snap, deidentified, sealed or head, _annotated(snap, f"length_{which}"))
    found = _decoded.get(token)
    if found is None:
        sealed = sealed or _stored_text(snap, which)
        column = cast(SealedTextField, ReportSnapshot._meta.get_field(which))
        text = column.from_db_value(sealed, None, None)  # opened (and checked) as on a load
        found = loads(text)
        _decoded.put(token, found, len(text))
    return found


def _stored_text(snap: ReportSnapshot, which: str) -> str:
    """The whole text of `snap`'s column `which` as stored (sealed). Should the row have been
    stored again since `_snapshot` read its head, the newer text: figures newer than the
    as-of they are shown with, never older."""
    found: str = (
        ReportSnapshot.objects.filter(pk=snap.pk)
        .annotate(stored=ExpressionWrapper(F(which), output_field=TextField()))
        .values_list("stored", flat=True)
        .get()
    )
    return found


def _token(snap: ReportSnapshot, deidentified: bool, stored: str, length: int) -> tuple[Any, ...]:
    """What identifies one stored text of one snapshot: agency, scope key and which figures,
    then what changes with every store — the computation's version, day and start, and the
    sealed text's key id, random nonce (from its head) and length; a text stored in clear (a
    row from before its column was sealed) by a digest of the whole `stored` text."""
    if crypto.is_sealed(stored):
        _prefix, key_id, body = stored.split(":", 2)
        kept = (key_id, body[:48], length)
    else:
        kept = ("clear", hashlib.sha256(stored.encode()).hexdigest(), len(stored))
    return (
        snap.agency_id,
        snap.key,
        "deidentified" if deidentified else "raw",
        snap.pk,
        snap.version,
        snap.today,
        snap.computed_at,
        *kept,
    )


def _annotated(snap: ReportSnapshot, name: str) -> Any:
    """One of `_snapshot`'s annotations."""
    return getattr(snap, name)


def _snapshot(agency_id: int, key: str) -> ReportSnapshot | None:
    """The scope's row without its figures: `head_figures` / `head_deidentified` are the first
    `HEAD` characters of each text as stored ('' for none) and `length_…` their lengths,
    `has_figures` whether any were computed yet (an empty row is a claim for the first
    computation). `_pick` fetches and opens the one asked for, unless this process has it
    decoded already."""
    return (
        ReportSnapshot.objects.filter(agency_id=agency_id, key=key)
        .only(
            "id",
            "agency_id",
            "key",
            "version",
            "today",
            "computed_at",
            "seconds",
            "refreshing_since",
        )
        .annotate(
            head_figures=Substr(F("figures"), 1, HEAD, output_field=TextField()),
            length_figures=StoredLength(F("figures")),
            head_deidentified=Substr(F("deidentified"), 1, HEAD, output_field=TextField()),
            length_deidentified=StoredLength(F("deidentified")),
            has_figures=ExpressionWrapper(~Q(figures=""), output_field=BooleanField()),
        )
        .first()
    )


def _placeholder(
    scope: measures.Scope, key: str, today: dt.date, reader_id: int | None
) -> ReportSnapshot:
    """An empty row to claim while the first figures of a scope are computed (with what the
    report refresher needs to compute them)."""
    ReportSnapshot.objects.bulk_create(
        [
            ReportSnapshot(
                agency_id=scope.agency_id,
                key=key,
                version=-1,
                today=today,
                computed_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                figures="",
                **_recipe(scope, reader_id),
            )
        ],
        ignore_conflicts=True,
    )
    found = _snapshot(scope.agency_id, key)
    assert found is not None
    return found


def _recipe(scope: measures.Scope, reader_id: int | None) -> dict[str, Any]:
    """What a refresh needs to compute a scope again (`_scope_of` reads it back)."""
    return {
        "reader_id": reader_id if scope.client_ids is not None else None,
        "filters": {
            "program_id": scope.program_id,
            "team_id": scope.team_id,
            "worker_id": scope.worker_id,
            "start": scope.start.isoformat() if scope.start else None,
            "end": scope.end.isoformat() if scope.end else None,
        },
        "language": translation.get_language() or "",
    }


def compute(
    scope: measures.Scope,
    *,
    today: dt.date,
    key: str | None = None,
    version: int | None = None,
    reader_id: int | None = None,
    deidentified: bool = False,
) -> tuple[dict[str, Any], dt.datetime]:
    """Compute the figures now, store them as the scope's snapshot, return them (decoded from
    what was stored, so both paths give the same types) and when they are as of. The version
    is read before computing: a write committed meanwhile leaves the snapshot stale, never
    wrongly fresh."""
    if version is None:
        flush()
        version, _tz = _state(scope.agency_id)
    key = key or scope_key(scope)
    started, clock = timezone.now(), time.monotonic()
    text = None
    if db_router.replica_in_use():
        # With a read replica (core/db_router.py) the figures are read there, and so is the
        # version they are stored under. A replica lags: stored with the version read on
        # default, figures from a replica that has not yet replayed the latest writes would
        # pass for current. The version is raised in the same transaction as every write that
        # moves a figure, and a replica replays commits in order, so figures read on the
        # replica after its version include every write up to that version (perhaps a later
        # one too: then the snapshot only turns stale early, never wrongly fresh). When the
        # replica is behind the version the caller has already seen on default (its own
        # write, say), the figures are computed on default: a report never goes back in time.
        # So they are when the replica fails (down, or a query cancelled by its recovery).
        seen = None
        try:
            with db_router.reports_read():
                seen = ReportsVersion.objects.values_list("version", flat=True).get(
                    agency_id=scope.agency_id
                )
                if seen >= version:
                    text = dumps(measures.measure_all(scope, today=today))
        except ReportsVersion.DoesNotExist:
            pass  # not on the replica yet
        except DatabaseError:
            log.warning("the read replica failed; report computed on default", exc_info=True)
        if text is not None and seen is not None:
            version = seen
    if text is None:
        text = dumps(measures.measure_all(scope, today=today))
    hidden = dumps(deidentify_figures(loads(text)))  # solved once here, not per read
    fields = {
        "version": version,
        "today": today,
        "computed_at": started,
        "seconds": time.monotonic() - clock,
        "figures": text,
        "deidentified": hidden,
        "refreshing_since": None,
        **_recipe(scope, reader_id),
    }
    _store(scope.agency_id, key, started=started, fields=fields)
    return loads(hidden if deidentified else text), started


def _store(agency_id: int, key: str, *, started: dt.datetime, fields: dict[str, Any]) -> None:
    """Keep the snapshot unless a newer one is there already (two workers computed at once)."""
    with transaction.atomic():
        updated = ReportSnapshot.objects.filter(
            agency_id=agency_id, key=key, computed_at__lte=started
        ).update(**fields)
        if updated:
            return
        try:
            with transaction.atomic():
                ReportSnapshot.objects.create(agency_id=agency_id, key=key, **fields)
        except IntegrityError:
            pass  # a newer one was stored meanwhile


# --- refreshing -------------------------------------------------------------------------------

_running = threading.BoundedSemaphore(1)  # one background refresh at a time per process


def _claim(snap: ReportSnapshot) -> bool:
    now = timezone.now()
    if snap.refreshing_since and (now - snap.refreshing_since).total_seconds() < CLAIM_SECONDS:
        return False
    return bool(
        ReportSnapshot.objects.filter(pk=snap.pk)
        .filter(
            Q(refreshing_since__isnull=True)
            | Q(refreshing_since__lt=now - dt.timedelta(seconds=CLAIM_SECONDS))
        )
        .update(refreshing_since=now)
    )


def _start_refresh(
    snap: ReportSnapshot, scope: measures.Scope, today: dt.date, reader_id: int | None
) -> threading.Thread | None:
    """Compute the scope again unless someone is at it already: in a thread ("background",
    returned), before returning ("inline") or not at all ("off")."""
    mode = refresh_mode()
    if mode in ("off", "process"):  # "process": the refresher finds it stale on its own
        return None
    if mode == "inline":
        if _claim(snap):
            compute(scope, today=today, reader_id=reader_id)
        return None
    if not _running.acquire(blocking=False):
        return None  # this process is refreshing another report: a later read asks again
    try:
        claimed = _claim(snap)
    except Exception:
        _running.release()
        raise
    if not claimed:
        _running.release()
        return None
    language = translation.get_language()
    thread = threading.Thread(
        target=_refresh_in_background,
        args=(scope, today, reader_id, language),
        name="report-refresh",
        daemon=True,
    )
    thread.start()
    return thread


def _refresh_in_background(
    scope: measures.Scope, today: dt.date, reader_id: int | None, language: str | None
) -> None:
    try:
        with translation.override(language):
            compute(scope, today=today, reader_id=reader_id)
    except Exception:
        log.exception("refreshing a report snapshot failed")
    finally:
        connections.close_all()  # this thread's own connections
        _running.release()


def _scope_of(snap: ReportSnapshot) -> measures.Scope | None:
    """The scope a snapshot was computed for, as its reader may see it today (None: the
    reader is gone)."""
    from strengthwise.accounts.models import User

    from . import reports

    f = snap.filters or {}
    filters = reports.Filters(
        program_id=f.get("program_id"),
        team_id=f.get("team_id"),
        worker_id=f.get("worker_id"),
        start=dt.date.fromisoformat(f["start"]) if f.get("start") else None,
        end=dt.date.fromisoformat(f["end"]) if f.get("end") else None,
    )
    if snap.reader_id is None:
        return measures.Scope(agency_id=snap.agency_id, **vars(filters))
    reader = User.objects.filter(pk=snap.reader_id, agency_id=snap.agency_id).first()
    if reader is None or not reader.is_active:
        return None
    return reports.scope_for(reader, filters)


def prune(*, older_than_days: int = 30) -> int:
    """Delete the snapshots not computed for `older_than_days` days (nobody asked for them
    since); how many."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    return ReportSnapshot.objects.filter(computed_at__lt=cutoff).exclude(figures="").delete()[0]


def refresh_stale(*, older_than_days: int = 30) -> tuple[int, int]:
    """For `strengthwise refresh-reports`: snapshots not computed for `older_than_days` days
    are deleted (nobody asked for them since), every other stale one is computed again, the
    dearest first. A snapshot whose reader's access has changed since is left to be deleted
    (its reader's next read makes the new one). Returns (refreshed, deleted)."""
    flush()
    deleted = prune(older_than_days=older_than_days)
    refreshed = 0
    rows = ReportSnapshot.objects.defer("figures", "deidentified").order_by("-seconds", "id")
    for snap, today in _stale(list(rows), timezone.now()):
        with translation.override(snap.language or None):
            scope = _scope_of(snap)
            if scope is None or scope_key(scope) != snap.key:
                continue
            compute(scope, today=today, key=snap.key, reader_id=snap.reader_id)
        refreshed += 1
    return refreshed, deleted


def _stale(
    rows: list[ReportSnapshot], now: dt.datetime
) -> Iterator[tuple[ReportSnapshot, dt.date]]:
    """The snapshots of `rows` not computed at their agency's current version and day, each
    with that day (each agency's state read once, when first needed)."""
    states: dict[int, tuple[int, dt.date]] = {}
    for snap in rows:
        if snap.agency_id not in states:
            version, tz = _state(snap.agency_id)
            states[snap.agency_id] = (version, timezone.localtime(now, tz).date())
        version, today = states[snap.agency_id]
        if snap.version != version or snap.today != today:
            yield snap, today


# --- the report refresher (`strengthwise refresh-reports --loop`, refresh mode "process") ------

_passed_over: set[tuple[int, dt.datetime]] = set()  # (row, computed_at) whose reader changed


def refresh_next() -> bool:
    """Compute the one snapshot most wanted now, if any: a scope a reader is waiting for (a
    placeholder, never computed), else a dear one gone stale (its last computation took at
    least `exact_below()`: cheaper ones are computed on the request) whose computation began
    more than `refresh_after(what it took)` ago — the cheapest first, so that a reader waiting
    for a small report is not kept behind an agency's. False when there is none."""
    flush()
    now = timezone.now()
    rows = (
        ReportSnapshot.objects.defer("figures", "deidentified")
        .filter(
            Q(figures="")
            | Q(
                seconds__gte=exact_below(),
                computed_at__lte=now - dt.timedelta(seconds=refresh_seconds()),
            )
        )
        .filter(
            Q(refreshing_since__isnull=True)
            | Q(refreshing_since__lt=now - dt.timedelta(seconds=CLAIM_SECONDS))
        )
        .order_by("seconds", "id")
    )
    waiting = [
        snap
        for snap in rows
        if (snap.pk, snap.computed_at) not in _passed_over
        # A placeholder (seconds 0: never computed) at once; a dear one when it is due.
        and (
            snap.seconds < exact_below()
            or now - snap.computed_at >= dt.timedelta(seconds=refresh_after(snap.seconds))
        )
    ]
    for snap, today in _stale(waiting, now):
        with translation.override(snap.language or None):
            scope = _scope_of(snap)
            if scope is None or scope_key(scope) != snap.key:
                _passed_over.add((snap.pk, snap.computed_at))  # left to `prune`
                continue
            if not _claim(snap):
                continue
            try:
                compute(scope, today=today, key=snap.key, reader_id=snap.reader_id)
            except Exception:
                # The claim stays until CLAIM_SECONDS have passed: no retry in a tight loop.
                log.exception("refreshing a report snapshot failed")
            except BaseException:
                # Stopped (the server is stopping): give the claim back for the next refresher.
                _give_back(snap)
                raise
        return True
    return False


def _give_back(snap: ReportSnapshot) -> None:
    """Clear the claim of a refresh stopped part-way. The stop may have come in the middle of
    reading rows: on SQLite that connection still holds a read snapshot older than the
    writers' commits, and a write from it fails at once ("database is locked", no waiting),
    so it is closed first (outside a transaction; within one, as in tests, it is kept). If
    the claim cannot be cleared, it lapses after CLAIM_SECONDS."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        connection.close()
    try:
        ReportSnapshot.objects.filter(pk=snap.pk).update(refreshing_since=None)
    except DatabaseError as error:
        log.warning("a stopped report refresh kept its claim (%s)", type(error).__name__)


def _wait_for_refresher(snap: ReportSnapshot, wait: float) -> ReportSnapshot | None:
    """The scope's snapshot once the refresher has stored figures newer than `snap`'s, polled
    for up to `wait` seconds; None if it has not."""
    deadline = time.monotonic() + wait
    while True:
        found = _snapshot(snap.agency_id, snap.key)
        if (
            found is not None
            and _annotated(found, "has_figures")
            and found.computed_at > snap.computed_at
        ):
            return found
        if time.monotonic() >= deadline:
            return None
        time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
