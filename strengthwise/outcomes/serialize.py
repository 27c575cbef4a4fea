"""Report figures as plain JSON values (for the API and `strengthwise report`)."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet

from . import snapshots, suppression

NAMES = (
    "gas",
    "gas_worker",
    "ssm",
    "goals",
    "referrals",
    "client_voice",
    "strengths",
    "advocacy",
    "data_quality",
    "questionnaires",
)


def plain(value: Any, *, deidentified: bool) -> Any:
    """Dates as ISO strings, suppression tables suppressed (solved once per table in this
    process: `suppression.suppress_kept`), client-id lists dropped for de-identified readers
    (counts stay) and listed for the others."""
    if isinstance(value, suppression.Table):
        return suppression.suppress_kept(value).as_dict()
    if isinstance(value, QuerySet):
        return None if deidentified else list(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if deidentified and key == "client_ids":
                continue
            out[key] = plain(item, deidentified=deidentified)
        return out
    if isinstance(value, list | tuple):
        return [plain(v, deidentified=deidentified) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def report_body(figures: dict[str, Any], name: str, *, deidentified: bool) -> Any:
    """`plain` of every figure (`name` "all") or of one report's (`{name: …}`): the body of
    `/api/v1/reports/{name}` and `strengthwise report`. Made once per snapshot this process
    holds (`snapshots.derived`; an agency's figures are tens of thousands of values), so it is
    shared: read-only."""
    return snapshots.derived(
        figures,
        ("plain", name, deidentified),
        lambda: plain(
            figures if name == "all" else {name: figures.get(name)}, deidentified=deidentified
        ),
    )


def report_json(figures: dict[str, Any], name: str, *, deidentified: bool) -> bytes:
    """`report_body` as the API sends it, encoded once per snapshot this process holds (an
    agency's figures are over a megabyte of JSON: encoding them took longer than the rest of
    the request)."""
    return snapshots.derived(  # type: ignore[no-any-return]
        figures,
        ("json", name, deidentified),
        lambda: json.dumps(
            report_body(figures, name, deidentified=deidentified), cls=DjangoJSONEncoder
        ).encode(),
    )
