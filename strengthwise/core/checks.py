"""`strengthwise check --deploy`: sealed fields need keys from the environment, not a file
beside the database (docs/operations.md "Field encryption")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from . import crypto

HINT = (
    "Generate one with `strengthwise rotate-keys --new-key`, set STRENGTHWISE_FIELD_KEYS in "
    "the environment of every app server and command, and keep a copy apart from the "
    "database and its backups (docs/operations.md)."
)


def field_keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production (DEBUG off, not the demo) needs its field keys from the environment, well
    formed."""
    if settings.DEBUG or settings.STRENGTHWISE_DEMO:
        return []
    if not settings.STRENGTHWISE_FIELD_KEYS:
        return [
            Error(
                "STRENGTHWISE_FIELD_KEYS is not set in the environment: the key that opens "
                "sealed client data would sit in a file beside the database.",
                hint=HINT,
                id="core.E001",
            )
        ]
    try:
        crypto.parse_keys(settings.STRENGTHWISE_FIELD_KEYS)
    except ValueError as exc:
        return [Error(f"STRENGTHWISE_FIELD_KEYS: {exc}.", hint=HINT, id="core.E002")]
    return []
