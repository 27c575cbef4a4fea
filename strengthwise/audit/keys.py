"""The audit chain's HMAC key: where it comes from, and how to tell it from SECRET_KEY.

Production sets `STRENGTHWISE_AUDIT_KEY` in the environment (the `audit.E001` deploy check
insists). A development machine keeps it in `var/audit_key` (STRENGTHWISE_AUDIT_KEY_FILE),
created 0600 on first use — apart from `var/secret_key`, so reading the secret key alone no
longer lets anyone recompute the chain.

Until this change the key was derived from SECRET_KEY (`legacy_key`). A development database
chained that way keeps working: when the key file does not exist yet and the database's sealed
chain head verifies with the derived key, that key is written to the file (and a warning says
so). Anywhere else `verify-audit` names the cause and the fix (docs/operations.md).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import sys
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction

from strengthwise.core.files import write_private

KEY_BYTES = 32


def legacy_key(secret_key: str | None = None) -> str:
    """The key Strengthwise derived from SECRET_KEY before the audit key was kept apart."""
    secret = settings.SECRET_KEY if secret_key is None else secret_key
    return hashlib.sha256(f"strengthwise-audit:{secret}".encode()).hexdigest()


def derives_from_secret(key: str, secret_key: str) -> bool:
    """True when `key` is SECRET_KEY, contains it, or is one of its obvious digests."""
    if not secret_key:
        return False
    return (
        key == secret_key
        or secret_key in key
        or key == legacy_key(secret_key)
        or key == hashlib.sha256(secret_key.encode()).hexdigest()
    )


def audit_key() -> bytes:
    """The key in force: the environment's, else the development key file's."""
    return _resolve(settings.STRENGTHWISE_AUDIT_KEY, str(settings.STRENGTHWISE_AUDIT_KEY_FILE))


@functools.lru_cache(maxsize=8)
def _resolve(from_env: str, key_file: str) -> bytes:
    if from_env:
        return from_env.encode()
    path = Path(key_file)
    if not path.exists():
        _create(path, _first_key())
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"the audit key file {path} is empty")
    return key.encode()


def _first_key() -> str:
    """A new random key — or the SECRET_KEY-derived one if this database was chained with it."""
    from .models import AuditHead  # the key is resolved lazily, after the apps are loaded

    try:
        with transaction.atomic():
            head = AuditHead.objects.filter(pk=1).first()
    except DatabaseError:  # not migrated yet
        head = None
    if head is not None and head.seq > 0:
        old = legacy_key()
        expected = hmac.new(old.encode(), f"{head.seq}:{head.hash}".encode(), hashlib.sha256)
        if hmac.compare_digest(head.mac, expected.hexdigest()):
            print(
                "strengthwise: this database's audit chain was made with the key derived from "
                "SECRET_KEY; keeping that key in the new audit key file (docs/operations.md).",
                file=sys.stderr,
            )
            return old
    return secrets.token_hex(KEY_BYTES)


def _create(path: Path, key: str) -> None:
    """Write the key file 0600, atomically: concurrent first uses end with one key."""
    write_private(path, f"{key}\n")


def legacy_key_hint() -> str:
    """How to keep using the SECRET_KEY-derived key (for verify-audit's error message)."""
    command = (
        "strengthwise shell -v 0 -c "
        '"from strengthwise.audit.keys import legacy_key; print(legacy_key())"'
    )
    if settings.STRENGTHWISE_AUDIT_KEY:
        return f'set STRENGTHWISE_AUDIT_KEY="$({command})" where the app runs'
    return f"(umask 077; {command} > {settings.STRENGTHWISE_AUDIT_KEY_FILE})"
