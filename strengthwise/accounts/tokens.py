"""Per-user API tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib

from django.db.models import Q
from django.utils import timezone

from .models import ApiToken, User

TOKEN_PREFIX = "sw_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_user(token: str) -> User | None:
    """The active user owning `token`, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = timezone.now()
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if row is None:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        # Recording every use would turn each API read into a write; minutes are enough.
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
