"""`strengthwise rotate-keys`: re-seal every sealed value with the current field key.

After a new key is put first in STRENGTHWISE_FIELD_KEYS (the old ones kept after it), this
re-seals each value sealed with an older key (or still stored in clear, from before its column
was sealed) and recomputes the blind indexes, model by model in batches of rows in primary-key
order. It can be run while the app serves:

- each batch is one transaction that locks its rows first (`SELECT … FOR UPDATE` on
  PostgreSQL; SQLite's IMMEDIATE transactions hold the write lock from the start), reads them,
  and writes back only the rows that hold a stale value. A save by the app to one of those rows
  waits for the batch and then writes its own value sealed with the key it runs with; it is
  never overwritten by the value the batch read, nor lost;
- a server not yet restarted with the new key may still seal with an old one after its batch
  passed: when a pass ends, the stored values are counted again and another pass re-seals what
  is still stale (up to `PASSES` passes); the report says what remains, so the operator knows
  when an old key can be removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast

from . import crypto
from .fields import sealed_fields

BATCH = 500
PASSES = 3


@dataclass
class ModelReport:
    label: str
    values_by_key: Counter[str] = field(default_factory=Counter)  # key id, or "clear"
    resealed_rows: int = 0
    # What is stored once the rotation is over (empty for a dry run).
    after: Counter[str] = field(default_factory=Counter)


def sealed_models() -> list[Any]:
    return [m for m in apps.get_models() if sealed_fields(m)]


def _raw(name: str) -> str:
    return f"_stored_{name}"


def _stored_keys(model: Any) -> Counter[str]:
    """How many stored values each key sealed (and how many are still in clear): the column
    read as plain text, so nothing is opened."""
    counts: Counter[str] = Counter()
    for f in sealed_fields(model):
        stored = (
            model._default_manager.annotate(stored=Cast(F(f.name), output_field=TextField()))
            .exclude(stored__isnull=True)
            .exclude(stored="")
            .values_list("stored", flat=True)
        )
        for value in stored.iterator(chunk_size=2000):
            counts[crypto.key_id_of(value) or "clear"] += 1
    return counts


def _stale(value: str | None, current: str) -> bool:
    return bool(value) and crypto.key_id_of(value or "") != current


def _reseal_pass(
    model: Any, current: str, batch: int, in_batch: Callable[[list[Any]], None] | None
) -> int:
    """One pass over the model's rows; returns how many rows were re-sealed."""
    names = [f.name for f in sealed_fields(model)]
    indexes = list(model().sealed_indexes()) if hasattr(model, "sealed_indexes") else []
    raw = {_raw(name): Cast(F(name), output_field=TextField()) for name in names}
    resealed = 0
    last: Any = None
    while True:
        with transaction.atomic():
            rows = model._default_manager.select_for_update().order_by("pk")
            if last is not None:
                rows = rows.filter(pk__gt=last)
            locked = list(rows.only("pk", *names).annotate(**raw)[:batch])
            if not locked:
                return resealed
            last = locked[-1].pk
            if in_batch is not None:
                in_batch(locked)
            stale = [
                row
                for row in locked
                if any(_stale(getattr(row, _raw(name)), current) for name in names)
            ]
            for row in stale:
                for name, value in (row.sealed_indexes() if indexes else {}).items():
                    setattr(row, name, value)
            if stale:
                model._default_manager.bulk_update(stale, [*names, *indexes])
                resealed += len(stale)


def rotate(
    *,
    dry_run: bool = False,
    batch: int = BATCH,
    in_batch: Callable[[list[Any]], None] | None = None,
) -> list[ModelReport]:
    """Re-seal what is not sealed with the current key; return what was found before and what
    is left after. `in_batch` is called inside each batch's transaction with its locked rows
    (tests use it to write while a rotation runs)."""
    current = crypto.current_key().id
    reports = []
    for model in sealed_models():
        report = ModelReport(model._meta.label, _stored_keys(model))
        reports.append(report)
        if dry_run:
            continue
        found = report.values_by_key
        for _pass in range(PASSES):
            if not any(key != current for key in found):
                break
            report.resealed_rows += _reseal_pass(model, current, batch, in_batch)
            found = _stored_keys(model)
        report.after = found
    return reports


# --- migrations that seal a column ------------------------------------------------------------


def seal_in_place(model: Any, names: list[str]) -> None:
    """For a migration that has just made `names` sealed fields: read every row through them (a
    value still in clear reads as it is) and write it back sealed, in batches."""
    batch: list[Any] = []
    for row in model._default_manager.only("pk", *names).order_by().iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            model._default_manager.bulk_update(batch, names)
            batch = []
    if batch:
        model._default_manager.bulk_update(batch, names)


def open_in_place(model: Any, names: list[str], schema_editor: Any) -> None:
    """The way back: write every sealed value of `names` in clear with plain SQL (past the
    sealing fields), before the columns return to their old types."""
    import json

    quote = schema_editor.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = quote(model._meta.pk.column)

    def plain(field: Any, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(field, models.JSONField):
            return json.dumps(value)
        return value

    with schema_editor.connection.cursor() as cursor:
        for row in model._default_manager.only("pk", *names).order_by().iterator(chunk_size=BATCH):
            cursor.execute(  # names from the model, quoted; values as parameters
                f"UPDATE {table} SET {columns} WHERE {pk} = %s",  # noqa: S608
                [*(plain(f, getattr(row, f.attname)) for f in fields), row.pk],
            )
