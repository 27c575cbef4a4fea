"""Writes for agencies, staff and tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from strengthwise.audit.services import audit_record
from strengthwise.core.errors import DomainError

from .access import may_manage_token
from .models import ApiToken, User
from .tokens import TOKEN_PREFIX, _hash

TOKEN_DAYS = 90  # a token's life unless its creator chooses another (1 to 365 days)


def api_token_create(
    *, acting_user: User | None, user: User, name: str = "cli", days: int = TOKEN_DAYS
) -> str:
    """Create an API token for `user` and return it; only its hash is kept. It stops working
    after `days` days, or when revoked."""
    if not user.is_active:
        raise DomainError("This user is not active.")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise DomainError("A token lives from 1 to 365 days.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=days)
    with transaction.atomic():
        row = ApiToken.objects.create(
            agency_id=user.agency_id,
            user=user,
            name=name[:100],
            prefix=token[:10],
            key_hash=_hash(token),
            expires_at=expires_at,
        )
        audit_record(
            actor=acting_user,
            agency_id=user.agency_id,
            action="api_token.created",
            target_type="accounts.apitoken",
            target_id=str(row.pk),
            changes={
                "user": [None, user.username],
                "name": [None, row.name],
                "expires_at": [None, expires_at.isoformat()],
            },
        )
    return token


def api_tokens(*, user: User | None = None, agency_id: int | None = None) -> list[ApiToken]:
    """Tokens (never their secrets): one user's, one agency's, or every one, newest first."""
    rows = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if user is not None:
        rows = rows.filter(user=user)
    if agency_id is not None:
        rows = rows.filter(user__agency_id=agency_id)
    return list(rows)


def api_token_revoke(
    *, acting_user: User | None, prefix: str = "", token_id: int | None = None
) -> ApiToken:
    """Revoke the token whose shown prefix is `prefix` (the command line) or whose id is
    `token_id` (the tokens page); it stops working at once. Refused when no token, or more than
    one, matches, when it is already revoked, or when `acting_user` may not manage it (the
    command line acts as nobody and may)."""
    found = list(
        ApiToken.objects.select_related("user").filter(
            **({"pk": token_id} if token_id is not None else {"prefix": prefix})
        )
    )
    if len(found) != 1 or (acting_user is not None and not may_manage_token(acting_user, found[0])):
        raise DomainError("No single token has that prefix.")
    row = found[0]
    if row.revoked_at is not None:
        raise DomainError("That token is already revoked.")
    with transaction.atomic():
        ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
        row.refresh_from_db()
        audit_record(
            actor=acting_user,
            agency_id=row.agency_id,
            action="api_token.revoked",
            target_type="accounts.apitoken",
            target_id=str(row.pk),
            changes={"revoked_at": [None, row.revoked_at.isoformat() if row.revoked_at else None]},
        )
    return row


def password_changed(*, acting_user: User, request: Any = None) -> None:
    """Record that a user changed their own password (never the password itself). Django has
    already saved it; their other sessions end because the session's auth hash changed."""
    audit_record(
        actor=acting_user, action="auth.password_changed", target=acting_user, request=request
    )
