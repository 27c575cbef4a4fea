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


def sealed_ordering_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Nothing sorts by a sealed field where Django would do it for us: a model's default
    ordering, an admin's ordering, or an admin list column left sortable (clicking its header
    would order by ciphertext — `SealedLookupError`, a 500)."""
    from django.apps import apps
    from django.contrib import admin

    from .fields import sealed_fields

    problems: list[CheckMessage] = []
    for model in apps.get_models():
        sealed = {f.name for f in sealed_fields(model)}
        if not sealed:
            continue
        named = {str(o).lstrip("-") for o in model._meta.ordering or []}
        for name in sorted(named & sealed):
            problems.append(
                Error(
                    f"{model._meta.label}: Meta.ordering names the sealed field {name}.",
                    id="core.E003",
                )
            )
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
        ordering = {str(o).lstrip("-") for o in model_admin.ordering or []}
        columns = {c for c in model_admin.list_display if isinstance(c, str)}
        sortable = columns if model_admin.sortable_by is None else set(model_admin.sortable_by)
        for name in sorted((ordering | (columns & sortable)) & sealed):
            problems.append(
                Error(
                    f"{model._meta.label}'s admin sorts by the sealed field {name}.",
                    hint="Leave it out of `ordering`, and out of `sortable_by` if listed.",
                    id="core.E003",
                )
            )
    return problems
