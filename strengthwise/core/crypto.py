"""Field encryption: the most sensitive values are sealed before they reach the database.

A sealed value is ``sw1:<key id>:<base64 of nonce + ciphertext + tag>``: AES-256-GCM
(authenticated: a value altered in the database fails to open rather than reading as something
else), a fresh 96-bit nonce per value, and the column's name (``app.model.field``) as associated
data, so a value copied into another column does not open there either.

Keys come from ``STRENGTHWISE_FIELD_KEYS`` in production: ``id:base64key`` pairs separated by
commas, the first one sealing new values and every one opening old values, so a key can be
rotated (`strengthwise rotate-keys` re-seals everything with the first key, after which the
others can be removed). A development machine keeps one key in ``var/field_keys`` (0600),
created on first use. docs/operations.md ("Field encryption") tells an IT person how.

Sealed values cannot be compared in SQL. Where an exact match is needed (a date of birth at
search and intake) the model keeps a *blind index* beside the value: a keyed HMAC of the
normalised value, `blind_index`, looked up with every key's index (`blind_indexes`) so search
keeps working while a rotation is under way.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from .files import write_private

PREFIX = "sw1"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class SealError(Exception):
    """A sealed value cannot be opened: its key is not configured, or it was altered."""


@dataclass(frozen=True)
class FieldKey:
    id: str
    secret: bytes

    @functools.cached_property
    def aead(self) -> AESGCM:
        return AESGCM(self.secret)

    @functools.cached_property
    def index_secret(self) -> bytes:
        # A separate key for blind indexes, derived one-way: an index never helps open a value.
        return hmac.new(self.secret, b"strengthwise blind index", hashlib.sha256).digest()


def parse_keys(text: str) -> list[FieldKey]:
    """`id:base64key,id:base64key` → keys, first one current. Raises ValueError naming the
    problem (never the key)."""
    keys: list[FieldKey] = []
    for number, part in enumerate((p.strip() for p in text.split(",")), start=1):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise ValueError(
                f"field key {number}: write it as ID:BASE64 (ID: letters, digits, - or _)"
            )
        try:
            secret = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"field key {key_id!r}: not valid base64") from exc
        if len(secret) != KEY_BYTES:
            raise ValueError(f"field key {key_id!r}: must be {KEY_BYTES} bytes, not {len(secret)}")
        if any(k.id == key_id for k in keys):
            raise ValueError(f"field key id {key_id!r} is used twice")
        keys.append(FieldKey(key_id, secret))
    if not keys:
        raise ValueError("no field key is configured")
    return keys


def new_key_spec(key_id: str = "1") -> str:
    """A new key in the configuration syntax, for the operator (`strengthwise rotate-keys
    --new-key`) and for a development machine's key file."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def field_keys() -> list[FieldKey]:
    """The keys in force, the sealing key first."""
    return _keys(settings.STRENGTHWISE_FIELD_KEYS, str(settings.STRENGTHWISE_FIELD_KEYS_FILE))


@functools.lru_cache(maxsize=8)
def _keys(from_env: str, key_file: str) -> list[FieldKey]:
    if from_env:
        return parse_keys(from_env)
    path = Path(key_file)
    if not path.exists():
        write_private(path, new_key_spec() + "\n")
    return parse_keys(path.read_text().strip())


def reset_cache() -> None:
    """Forget the keys read so far (tests and `rotate-keys` change the configuration)."""
    _keys.cache_clear()


def current_key() -> FieldKey:
    return field_keys()[0]


def seal(text: str, *, context: str) -> str:
    key = current_key()
    nonce = os.urandom(NONCE_BYTES)
    body = key.aead.encrypt(nonce, text.encode(), context.encode())
    return f"{PREFIX}:{key.id}:{base64.b64encode(nonce + body).decode()}"


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def key_id_of(value: str) -> str | None:
    """The id of the key a stored value was sealed with (None: stored in clear)."""
    if not is_sealed(value):
        return None
    return value.split(":", 2)[1]


def unseal(value: str, *, context: str) -> str:
    """The clear text of a stored value. A value stored before its column was sealed (no
    prefix) is returned as it is; `rotate-keys` seals such leftovers."""
    if not is_sealed(value):
        return value
    try:
        _, key_id, encoded = value.split(":", 2)
        raw = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise SealError(f"a sealed value in {context} is malformed") from exc
    key = next((k for k in field_keys() if k.id == key_id), None)
    if key is None:
        raise SealError(
            f"a value in {context} was sealed with field key {key_id!r}, which is not "
            "configured (STRENGTHWISE_FIELD_KEYS)"
        )
    try:
        return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except InvalidTag as exc:
        raise SealError(f"a sealed value in {context} does not verify: altered") from exc


def blind_index(value: str, *, context: str, key: FieldKey | None = None) -> str:
    """A keyed, one-way digest of `value` for exact-match lookups ('' for no value)."""
    if not value:
        return ""
    secret = (key or current_key()).index_secret
    return hmac.new(secret, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()[:40]


def blind_indexes(value: str, *, context: str) -> list[str]:
    """The digests of `value` under every configured key: what a lookup must match while
    values sealed with an older key have not been re-indexed yet."""
    return [blind_index(value, context=context, key=k) for k in field_keys()]
