"""Writes for agencies, staff and tokens."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from strengthwise.audit.services import audit_record
from strengthwise.core.errors import DomainError

from .models import ApiToken, User
from .tokens import TOKEN_PREFIX, _hash


def api_token_create(*, acting_user: User | None, user: User, name: str = "cli") -> str:
    """Create an API token for `user` and return it; only its hash is kept."""
    if not user.is_active:
        raise DomainError("This user is not active.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            agency_id=user.agency_id,
            user=user,
            name=name[:100],
            prefix=token[:10],
            key_hash=_hash(token),
        )
        audit_record(
            actor=acting_user,
            agency_id=user.agency_id,
            action="api_token.created",
            target_type="accounts.apitoken",
            target_id=str(row.pk),
            changes={"user": [None, user.username], "name": [None, row.name]},
        )
    return token


def password_changed(*, acting_user: User, request: Any = None) -> None:
    """Record that a user changed their own password (never the password itself). Django has
    already saved it; their other sessions end because the session's auth hash changed."""
    audit_record(
        actor=acting_user, action="auth.password_changed", target=acting_user, request=request
    )
