"""Keyset paging for lists that grow without bound (issue 13 §2).

A list is a queryset in a total order (the last field of the order is unique, e.g.
`("-contact_date", "-id")`). A page is its first `limit` rows after a cursor; the cursor of
the next page is the sort key of the page's last row, signed with the list's name (`scope`),
so a cursor that was changed, or that comes from another list, is refused (`InvalidCursor`,
400) rather than read. Nothing counts or skips over the rows before the page: a page costs one
query (plus the queryset's own prefetches) wherever it is in the list.

The API's lists keep their body a JSON array and give the next page's address in an RFC 8288
`Link: <…>; rel="next"` header (`link_next`), absent on the last page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from .errors import DomainError

T = TypeVar("T", bound=Model)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
_SALT = "strengthwise.keyset"


class InvalidCursor(DomainError):
    """A cursor this list did not give out (changed, or from another list)."""


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    rows: list[T]
    next_cursor: str  # "" on the last page


def _after(order: Sequence[str], key: Sequence[Any]) -> Q:
    """The rows after `key` in `order`: (a > x) or (a = x and b > y) or … with each comparison
    turned for a descending field; the first field's range in front, for the index."""
    names = [f.lstrip("-") for f in order]
    later = ["lt" if f.startswith("-") else "gt" for f in order]
    q = Q()
    for i in range(len(order)):
        same = {names[j]: key[j] for j in range(i)}
        q |= Q(**same, **{f"{names[i]}__{later[i]}": key[i]})
    first = "lte" if order[0].startswith("-") else "gte"
    return Q(**{f"{names[0]}__{first}": key[0]}) & q


def _decode(qs: QuerySet[T], order: Sequence[str], cursor: str, scope: str) -> list[Any]:
    refused = InvalidCursor(gettext("This list cannot continue from there: start again."))
    try:
        raw = signing.loads(cursor, salt=f"{_SALT}:{scope}")
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise refused from exc
    if not isinstance(raw, list) or len(raw) != len(order):
        raise refused
    key = []
    for name, value in zip(order, raw, strict=True):
        field = qs.model._meta.get_field(name.lstrip("-"))
        if not isinstance(field, Field):  # a reverse relation is no sort key
            raise TypeError(f"{name} is not a column of {qs.model.__name__}")
        try:
            key.append(field.to_python(value))
        except ValidationError as exc:
            raise refused from exc
    return key


def _encode(row: Model, order: Sequence[str], scope: str) -> str:
    values = []
    for name in order:
        value = getattr(row, name.lstrip("-"))
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return signing.dumps(values, salt=f"{_SALT}:{scope}", compress=False)


def keyset_page(
    qs: QuerySet[T],
    *,
    order: Sequence[str],
    scope: str,
    limit: int = DEFAULT_LIMIT,
    cursor: str = "",
) -> KeysetPage[T]:
    """The first `limit` rows of `qs` in `order` after `cursor` (the `next_cursor` of the page
    before; "" for the first page). `order` must be a total order: its fields non-null and its
    last one unique (the id). `scope` names the list (e.g. "notes:42"): only a cursor given
    out under the same scope is accepted. Raises InvalidCursor otherwise."""
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor:
        qs = qs.filter(_after(order, _decode(qs, order, cursor, scope)))
    rows = list(qs.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return KeysetPage(rows, _encode(rows[-1], order, scope) if more and rows else "")


def link_next(request: HttpRequest, response: HttpResponse, next_cursor: str) -> None:
    """Give the next page's address in an RFC 8288 `Link` header: this request's path and
    query with `cursor` replaced (nothing on the last page)."""
    if not next_cursor:
        return
    query = request.GET.copy()
    query["cursor"] = next_cursor
    pairs = [(k, v) for k in query for v in query.getlist(k)]
    response["Link"] = f'<{request.path}?{urlencode(pairs)}>; rel="next"'
