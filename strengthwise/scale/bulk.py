"""A faster `bulk_create` for the seed: the same rows, without Django's per-value SQL compiling.

Profiling `strengthwise seed` showed Django's insert compiler (building a placeholder and
preparing every value through the field API) at more than half the time of a batch, and the
database itself at a tenth. `insert(model, objs)` writes the same row that `bulk_create` would:
each field's `pre_save` (where the field has one) and `get_db_prep_save`, except the field
kinds whose prepared value is the Python value itself, which are passed through, and date
times, which go straight to the backend's adapter. It builds one multi-row INSERT per chunk
(as many rows as the backend's parameter limit allows), reads the new primary keys back with
RETURNING (SQLite ≥ 3.35 and PostgreSQL both have it) and sets them on the objects, as
`bulk_create` does. No signals, no `save()`: the same contract as `bulk_create`.

`insert_rows(model, names, rows)` writes the same rows from values instead of instances (the
seed's biggest tables: building a model instance cost more than writing its row): the fields
not named take their defaults, then the same `pre_save` and conversion; it returns the keys.

Date times repeat within a batch (the seed's history is whole minutes): their adapter's result
is remembered for the length of one call.

`scale/tests/test_bulk.py` checks both against `bulk_create` row for row.

`write_behind()` (PostgreSQL, outside any transaction): a batch's COPYs and other writes are
handed to one thread with a connection of its own, which writes each batch in one transaction
while the caller builds the next one. Keys still come from the sequences on the caller's
connection, in the caller's order, so the rows are the same as written in line.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.utils import timezone

# Field kinds whose get_db_prep_save returns the (already correctly typed) Python value.
PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "BooleanField",
    }
)


def _is_plain(field: models.Field[Any, Any]) -> bool:
    if isinstance(field, models.ForeignKey):  # its prepared value is its target's
        return _is_plain(field.target_field)
    if type(field).get_db_prep_save is not models.Field.get_db_prep_save:
        return False
    return field.get_internal_type() in PLAIN and type(field).__module__.startswith("django.")


def _converter(field: models.Field[Any, Any], alias: str) -> Callable[[Any], Any] | None:
    """None: the value goes as it is; else a function of the value."""
    connection = connections[alias]
    if _is_plain(field):
        return None
    if type(field) is models.DateTimeField:
        return connection.ops.adapt_datetimefield_value
    if type(field) is models.DateField:
        return connection.ops.adapt_datefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def _memo_datetimes(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`fn`, remembering its result for date times, for one call of `insert` (a batch's rows
    repeat the same date times many times over). Keyed by the value with its tzinfo and fold:
    values with equal keys are the same wall time in the same time zone, so the same value to
    `fn`. Not kept between calls: the connection's time zone may change (tests)."""
    seen: dict[Any, Any] = {}

    def memo(value: Any) -> Any:
        if type(value) is not dt.datetime:
            return fn(value)
        key = (value, value.tzinfo, value.fold)
        try:
            return seen[key]
        except KeyError:
            if len(seen) >= 100_000:
                seen.clear()
            result = seen[key] = fn(value)
            return result

    return memo


def _converters(
    fields: Sequence[models.Field[Any, Any]], conv: dict[str, Callable[[Any], Any] | None]
) -> list[Callable[[Any], Any] | None]:
    """The fields' conversions for one call, date times remembered (`_memo_datetimes`)."""
    out = []
    for f in fields:
        fn = conv[f.attname]
        out.append(
            _memo_datetimes(fn) if fn is not None and type(f) is models.DateTimeField else fn
        )
    return out


@cache
def _plan(model: type[models.Model], alias: str) -> tuple[Any, ...]:
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.generated]  # type: ignore[attr-defined]
    without_pk = [f for f in fields if f is not meta.pk]
    pre_save = tuple(f for f in fields if type(f).pre_save is not models.Field.pre_save)
    relations = tuple(f for f in fields if isinstance(f, models.ForeignKey))
    conv = {f.attname: _converter(f, alias) for f in fields}
    return fields, without_pk, pre_save, relations, conv


def _related_ids(obj: models.Model, relations: tuple[models.ForeignKey[Any, Any], ...]) -> None:
    """What `bulk_create` does first: a relation set to an object saved after it was assigned
    takes that object's key now (an unsaved one is refused)."""
    for f in relations:
        if getattr(obj, f.attname) is None:
            related = obj._state.fields_cache.get(f.name)
            if related is None:
                continue
            if related.pk is None:
                raise ValueError(f"insert: {f.name} of a {type(obj).__name__} is not saved")
            setattr(obj, f.attname, related.pk)


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert `objs` (new instances of `model`, all with or all without a primary key) and set
    the primary keys the database gave them."""
    if not objs:
        return
    alias = router.db_for_write(model)
    with_pk, without_pk, pre_save, relations, conv = _plan(model, alias)
    has_pk = objs[0].pk is not None
    if any((obj.pk is not None) != has_pk for obj in objs):
        raise ValueError("insert: give every object a primary key, or none")
    fields = with_pk if has_pk else without_pk
    convs = _converters(fields, conv)
    rows: list[list[Any]] = []
    for obj in objs:
        _related_ids(obj, relations)
        for f in pre_save:
            f.pre_save(obj, add=True)
        row = []
        for f, fn in zip(fields, convs, strict=True):
            value = getattr(obj, f.attname)
            row.append(value if fn is None else fn(value))
        rows.append(row)
    ids = _execute(model, alias, fields, rows, returning=not has_pk)
    if ids is not None:
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


class _Row:
    """What a field's own `pre_save` is given in place of a model instance, for `insert_rows`:
    the row's values by attname (the only thing `pre_save` reads or sets)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


_DATE_PRE_SAVE = {
    models.DateField.pre_save: False,  # auto_now(_add) → datetime.date.today()
    models.DateTimeField.pre_save: True,  # auto_now(_add) → timezone.now()
}


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[Any]:
    """Insert rows given as values, not instances: each row holds the values of the fields
    `names` (attnames: `goal_id`, not `goal`), in that order, as they would be set on a new
    instance. The row written is the one `insert` (and `bulk_create`) writes for
    `model(**dict(zip(names, row)))`: a field not named takes its default (`get_default`; a
    callable default is called per row), then each field's `pre_save` (auto_now and
    auto_now_add stamp "now") and the same conversion as `insert`. Name the primary key in every
    row or in none. Returns the primary keys, in order (the database's, read back with
    RETURNING, if not named)."""
    alias = router.db_for_write(model)
    with_pk, without_pk, pre_save, _relations, conv = _plan(model, alias)
    meta = model._meta
    pk_name = meta.pk.attname  # type: ignore[union-attr]
    by_attname = {f.attname: f for f in with_pk}
    unknown = [n for n in names if n not in by_attname]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"insert_rows: not fields of {model.__name__} (or named twice): {unknown}")
    has_pk = pk_name in names
    fields = with_pk if has_pk else without_pk
    position = {n: i for i, n in enumerate(names)}
    # Per field, in column order, where its value comes from: (place in the row, None); or
    # (-1, the field): a default made per row (a callable, a database default); or
    # (-2, the default): the same every row (what `get_default` returns each time).
    source: list[tuple[int, Any]] = []
    for f in fields:
        if f.attname in position:
            source.append((position[f.attname], None))
        elif (f.has_default() and callable(f.default)) or f.has_db_default():
            source.append((-1, f))
        else:
            source.append((-2, f.get_default()))
    stamps: list[tuple[int, bool]] = []  # (column, a date time?) set to "now" per row
    generic = []  # other pre_save fields: called on a _Row
    for f in pre_save:
        if f not in fields:
            continue
        kind = _DATE_PRE_SAVE.get(type(f).pre_save)
        if kind is None:
            generic.append(f)
        elif f.auto_now or f.auto_now_add:  # type: ignore[attr-defined]
            stamps.append((fields.index(f), kind))
    convs = _converters(fields, conv)
    attnames = [f.attname for f in fields]
    values: list[list[Any]] = []
    for given in rows:
        if len(given) != len(names):
            raise ValueError("insert_rows: a row has not one value per name")
        row = [given[i] if i >= 0 else (v.get_default() if i == -1 else v) for i, v in source]
        for column, is_datetime in stamps:
            row[column] = timezone.now() if is_datetime else dt.date.today()
        if generic:
            proxy = _Row(dict(zip(attnames, row, strict=True)))
            for f in generic:
                row[attnames.index(f.attname)] = f.pre_save(proxy, add=True)
        values.append([v if fn is None else fn(v) for v, fn in zip(row, convs, strict=True)])
    if not values:
        return []
    ids = _execute(model, alias, fields, values, returning=not has_pk)
    if ids is None:
        return [row[position[pk_name]] for row in rows]
    return ids


def _execute(
    model: type[models.Model],
    alias: str,
    fields: Sequence[models.Field[Any, Any]],
    rows: list[list[Any]],
    *,
    returning: bool,
) -> list[Any] | None:
    """One multi-row INSERT per chunk of prepared rows (on PostgreSQL, one COPY); the new keys
    if `returning`."""
    connection = connections[alias]
    meta = model._meta
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        return _copy(connection, meta, fields, rows, returning=returning)
    columns = ", ".join(qn(str(f.column)) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 65_535
    per_chunk = max(1, min(1_000, limit // max(1, len(fields))))
    pk_column = qn(str(meta.pk.column))  # type: ignore[union-attr]
    ids: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            sql = (
                f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "  # noqa: S608
                + ", ".join([one] * len(chunk))
                + (f" RETURNING {pk_column}" if returning else "")
            )
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                got = [r[0] for r in cursor.fetchall()]
                if len(got) != len(chunk):
                    raise RuntimeError("insert: the database returned fewer keys than rows")
                ids.extend(got)
    return ids if returning else None


def _copy(
    connection: Any,
    meta: Any,
    fields: Sequence[models.Field[Any, Any]],
    rows: list[list[Any]],
    *,
    returning: bool,
) -> list[Any] | None:
    """PostgreSQL: the rows in one COPY, which neither parses a statement per chunk nor adapts
    each value in Python (psycopg writes COPY rows in C): a 5,000-client seed took 109 s with
    the INSERTs and 77 s with COPY. COPY cannot return keys, so when they are wanted they are
    taken from the primary key's sequence first (`nextval`, as the INSERT would have) and
    written with the rows; the values are the same prepared values the INSERT would be given."""
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    ids: list[Any] = []
    if returning:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, meta.pk.column, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
        fields = [meta.pk, *fields]
        rows = [[pk, *row] for pk, row in zip(ids, rows, strict=True)]
    columns = ", ".join(qn(str(f.column)) for f in fields)
    defer(_copy_rows, connection.alias, f"COPY {table} ({columns}) FROM STDIN", rows)
    return ids if returning else None


def _copy_rows(alias: str, sql: str, rows: list[list[Any]]) -> None:
    with connections[alias].cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


# --- writing behind ---------------------------------------------------------------------------

_collecting = threading.local()  # .jobs: the current batch's writes, in the caller's thread


def defer(fn: Callable[..., Any], *args: Any) -> None:
    """Write now, or, inside a `WriteBehind.batch()`, with that batch on the writer's thread."""
    jobs = getattr(_collecting, "jobs", None)
    if jobs is None:
        fn(*args)
    else:
        jobs.append((fn, args))


class WriteBehind:
    """One thread writing batches in order, each in one transaction on its own connection,
    while the caller builds the next (at most `depth` batches wait). A batch that fails is
    rolled back, nothing after it is written, and its error is raised to the caller at its next
    batch or at `close`. The writer's connection sees only what is committed: use it where the
    caller is not inside a transaction (`write_behind` decides)."""

    def __init__(self, depth: int = 1) -> None:
        self._queue: queue.Queue[list[tuple[Callable[..., Any], tuple[Any, ...]]] | None] = (
            queue.Queue(maxsize=depth)
        )
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="write-behind", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while (jobs := self._queue.get()) is not None:
                if self.error is not None:
                    continue  # a batch failed: write nothing after it
                try:
                    with transaction.atomic():
                        for fn, args in jobs:
                            fn(*args)
                except BaseException as error:  # noqa: BLE001 - handed to the caller
                    self.error = error
        finally:
            connections.close_all()  # this thread's own

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Collect the writes `defer`red inside; hand them to the writer at the end."""
        self._raise()
        jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        _collecting.jobs = jobs
        try:
            yield
        finally:
            del _collecting.jobs
        self._queue.put(jobs)

    def finish(self) -> None:
        """Wait for every batch handed over to be written (or refused after an error)."""
        self._queue.put(None)
        self._thread.join()

    def close(self) -> None:
        """`finish`, then raise a batch's error."""
        self.finish()
        self._raise()


class InLine:
    """`WriteBehind.batch`, writing each batch at once in its own transaction."""

    @contextmanager
    def batch(self) -> Iterator[None]:
        with transaction.atomic():
            yield


@contextmanager
def write_behind(alias: str = DEFAULT_DB_ALIAS) -> Iterator[WriteBehind | InLine]:
    """A `WriteBehind` on PostgreSQL outside a transaction (the seed command); else `InLine`:
    SQLite writes one connection at a time and reads keys back from its INSERTs, and inside a
    transaction (a test, a caller's own) a second connection would not see its rows."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield InLine()
        return
    writer = WriteBehind()
    try:
        yield writer
    except BaseException:
        writer.finish()  # what was handed over is written; the caller's error wins
        raise
    writer.close()
