"""`strengthwise rotate-keys`: re-seal every sealed value with the current field key.

After a new key is put first in STRENGTHWISE_FIELD_KEYS (the old ones kept after it), this
re-seals each value sealed with an older key (or still stored in clear, from before its column
was sealed) and recomputes the blind indexes, model by model in batches, each batch in its own
transaction. It can be run while the app serves: a value is read, re-sealed and written in one
UPDATE per row batch, and every key still opens every value meanwhile. When the report shows no
value under an old key, that key can be removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast

from . import crypto
from .fields import sealed_fields

BATCH = 500


@dataclass
class ModelReport:
    label: str
    values_by_key: Counter[str] = field(default_factory=Counter)  # key id, or "clear"
    resealed_rows: int = 0


def sealed_models() -> list[Any]:
    return [m for m in apps.get_models() if sealed_fields(m)]


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


def rotate(*, dry_run: bool = False) -> list[ModelReport]:
    """Re-seal what is not sealed with the current key; return what was found (before)."""
    current = crypto.current_key().id
    reports = []
    for model in sealed_models():
        report = ModelReport(model._meta.label, _stored_keys(model))
        reports.append(report)
        stale = sum(n for key, n in report.values_by_key.items() if key != current)
        if dry_run or stale == 0:
            continue
        names = [f.name for f in sealed_fields(model)]
        indexes = list(model().sealed_indexes()) if hasattr(model, "sealed_indexes") else []
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model._default_manager.filter(pk__gt=last)
                    .order_by("pk")
                    .only("pk", *names)[:BATCH]
                )
                if not rows:
                    break
                for row in rows:
                    for name, value in (row.sealed_indexes() if indexes else {}).items():
                        setattr(row, name, value)
                model._default_manager.bulk_update(rows, [*names, *indexes])
                report.resealed_rows += len(rows)
                last = rows[-1].pk
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
