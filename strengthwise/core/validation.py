"""Validation shared by every app's services: one way to turn bad input into ValidationFailed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ValidationFailed


def validated(instance: Any, exclude: list[str] | None = None) -> None:
    """Run the model's full_clean(); refusals become ValidationFailed with per-field messages."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise ValidationFailed(_("Please correct the errors below."), field_errors=errors) from exc


def refuse_nul(values: Mapping[str, Any]) -> None:
    """PostgreSQL cannot store NUL characters in text: refuse them with a clear message."""
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            raise ValidationFailed(
                _("Please correct the errors below."),
                field_errors={name: [_("Null characters are not allowed.")]},
            )


def not_in_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={field: [_("The date cannot be in the future.")]},
        )


def parse_id(value: Any) -> int | None:
    """A database id from a URL or form value, or None for anything else (text, zero,
    negatives, numbers too big for a 64-bit key, "²"): callers answer 404 or ignore it."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
