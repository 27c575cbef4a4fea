"""Model fields whose values are sealed at rest (core/crypto.py).

Each behaves like the Django field it extends — forms, validation, the admin and the API see
an ordinary text, date, number or JSON value — but the column holds text that only the field
keys open. Such a column cannot be searched, compared or sorted in SQL: `exact` works only with
None and '' (empty values are stored as they are), any other lookup is refused by Django
("Unsupported lookup"), `exact` with a value raises `SealedLookupError`, and so does ordering by
a sealed column (`refuse_sealed_ordering`, installed by core's AppConfig) — a loud error rather
than a silently wrong answer. Keep a blind index beside a value that must be matched exactly
(people.Client.dob_index); sort in Python after opening the values.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.expressions import Col, OrderBy, When
from django.db.models.lookups import Exact, IsNull, Lookup
from django.db.models.sql.where import WhereNode

from . import crypto


class SealedLookupError(TypeError):
    pass


class _NoneOnlyExact(Exact):
    def __init__(self, lhs: Any, rhs: Any) -> None:
        if rhs not in (None, ""):  # stored as they are: "is empty" can be asked
            raise SealedLookupError(
                "a sealed field cannot be compared in SQL; match its blind index instead"
            )
        super().__init__(lhs, rhs)


def sealed_in(expression: Any) -> Any:
    """The sealed field an ordering expression sorts by, if any: a sealed column itself, an
    annotation naming one, or one inside a function (Lower, Coalesce…). A condition (a
    lookup, a When's test) may name a sealed field — "is it empty" is allowed — so only the
    values an expression yields are looked at."""
    if isinstance(expression, Col):
        return expression.target if isinstance(expression.target, SealedMixin) else None
    if isinstance(expression, (Lookup, WhereNode)):
        return None
    if isinstance(expression, When):
        return sealed_in(expression.result)
    for source in expression.get_source_expressions():
        found = sealed_in(source) if source is not None else None
        if found is not None:
            return found
    return None


def refuse_sealed_ordering() -> None:
    """Make ORDER BY a sealed column raise `SealedLookupError`: sealed values sort by their
    random nonce, so the order would look plausible and mean nothing. Django has no per-field
    hook for ordering, so OrderBy's compilation is wrapped once, at start-up."""
    original = OrderBy.as_sql
    if getattr(original, "refuses_sealed", False):
        return

    def as_sql(self: OrderBy, compiler: Any, connection: Any, *args: Any, **kwargs: Any) -> Any:
        sealed = sealed_in(self.expression)
        if sealed is not None:
            raise SealedLookupError(
                f"cannot order by the sealed field {sealed.seal_context}: "
                "sort in Python after reading the values"
            )
        return original(self, compiler, connection, *args, **kwargs)

    as_sql.refuses_sealed = True  # type: ignore[attr-defined]
    OrderBy.as_sql = as_sql  # type: ignore[method-assign]


class SealedMixin:
    """Seal on the way to the database, open on the way back; '' and None stay as they are
    (an empty field reveals only that it is empty)."""

    name: str
    model: Any

    def get_internal_type(self) -> str:
        return "TextField"

    @property
    def seal_context(self) -> str:
        meta = self.model._meta
        return f"{meta.app_label}.{meta.model_name}.{self.name}"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _NoneOnlyExact
        return None

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)  # type: ignore[attr-defined]
        if value is None:
            return None
        text = self.to_text(value)
        if text == "":
            return ""
        return crypto.seal(text, context=self.seal_context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return self.empty_value(value)
        return self.from_text(crypto.unseal(value, context=self.seal_context))

    def empty_value(self, stored: Any) -> Any:
        return stored


class SealedCharField(SealedMixin, models.CharField):
    """A CharField (max_length still checked on input) whose column is text, sealed."""


class SealedTextField(SealedMixin, models.TextField):
    pass


class SealedDateField(SealedMixin, models.DateField):
    def get_prep_value(self, value: Any) -> Any:
        return self.to_python(value)

    def to_text(self, value: Any) -> str:
        return value.isoformat()

    def from_text(self, text: str) -> dt.date | None:
        return self.to_python(text)

    def empty_value(self, stored: Any) -> Any:
        return None

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        return getattr(model_instance, self.attname)


class SealedFloatField(SealedMixin, models.FloatField):
    def get_prep_value(self, value: Any) -> Any:
        return None if value is None or value == "" else float(value)

    def to_text(self, value: Any) -> str:
        return repr(float(value))

    def from_text(self, text: str) -> float:
        return float(text)

    def empty_value(self, stored: Any) -> Any:
        return None


class SealedJSONField(SealedMixin, models.JSONField):
    """JSON kept as a sealed text column (no JSON lookups in SQL)."""

    def get_prep_value(self, value: Any) -> Any:
        return value

    def to_text(self, value: Any) -> str:
        return json.dumps(value, cls=self.encoder or DjangoJSONEncoder, ensure_ascii=False)

    def from_text(self, text: str) -> Any:
        return json.loads(text, cls=self.decoder)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        return crypto.seal(self.to_text(value), context=self.seal_context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return self.from_text(crypto.unseal(value, context=self.seal_context))

    def select_format(self, compiler: Any, sql: str, params: Any) -> Any:
        # A plain text column: no JSON decoding by the database backend.
        return sql, params


def sealed_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if isinstance(f, SealedMixin)]
