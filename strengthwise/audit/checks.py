"""`strengthwise check --deploy`: the audit key must come from the environment, apart from
SECRET_KEY (docs/operations.md "The audit key and the anchor")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from .keys import KEY_BYTES, derives_from_secret

HINT = (
    "Generate one (python -c 'import secrets; print(secrets.token_hex(32))'), set "
    "STRENGTHWISE_AUDIT_KEY in the environment of every app server and command, and keep a "
    "copy where the database's administrators cannot change it (docs/operations.md)."
)


def audit_key_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production (DEBUG off, not the demo) needs its own audit key from the environment."""
    if settings.DEBUG or settings.STRENGTHWISE_DEMO:
        return []
    key = settings.STRENGTHWISE_AUDIT_KEY
    if not key:
        return [
            Error(
                "STRENGTHWISE_AUDIT_KEY is not set in the environment: the audit chain's key "
                "would sit in a file beside the database.",
                hint=HINT,
                id="audit.E001",
            )
        ]
    if derives_from_secret(key, settings.SECRET_KEY):
        return [
            Error(
                "STRENGTHWISE_AUDIT_KEY equals or derives from SECRET_KEY: whoever reads the "
                "secret key could rewrite the audit chain.",
                hint=HINT,
                id="audit.E002",
            )
        ]
    if len(key) < KEY_BYTES:
        return [
            Error(
                f"STRENGTHWISE_AUDIT_KEY is shorter than {KEY_BYTES} characters.",
                hint=HINT,
                id="audit.E003",
            )
        ]
    return []
