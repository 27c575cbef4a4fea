"""Writing the audit trail."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import ipaddress
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from .keys import audit_key
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
HEAD_RECREATED = "audit.head_recreated"
HIDDEN = "[hidden]"
# How the trail names a client acting for themselves in the portal: "<their name> (client, in
# the portal)" as the actor label, with no staff actor (strengthwise/portal).
CLIENT_IN_PORTAL = "(client, in the portal)"

HASHED_FIELDS = (
    "seq",
    "at",
    "agency_id",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "client_id",
    "changes",
    "ip",
    "prev_hash",
)


def plain(value: Any) -> Any:
    """A value as an audit event's `changes` hold it — one form in every app: dates and times
    as ISO strings; a model instance as its primary key (an int; a string for the directory's
    UUID keys), so a foreign key reads the same whether a service passed the object or its
    id; Decimal and UUID as strings; an enum (Django choices) as its value; lists, tuples and
    dicts item by item, sets as sorted lists. Anything else is left as it is."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, dt.date | dt.time):  # a datetime is a date
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Model):
        return plain(value.pk)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        items = [plain(v) for v in value]
        try:
            return sorted(items)
        except TypeError:  # mixed kinds: any stable order will do
            return sorted(items, key=repr)
    return value


def _canonical(value: Any) -> Any:
    """JSON-native form (through `plain`): what is hashed is exactly what the database gives
    back."""
    return json.loads(json.dumps(plain(value), default=str))


def _key() -> bytes:
    """The chain's HMAC key. It lives outside the database and apart from SECRET_KEY (the
    environment, or var/audit_key in development: keys.py), so someone who can write to the
    database, or read the secret key, cannot forge a consistent chain."""
    return audit_key()


def event_hash(fields: Mapping[str, Any], *, key: bytes | None = None) -> str:
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["at"] = fields["at"].astimezone(dt.UTC).isoformat()
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key or _key(), encoded.encode(), hashlib.sha256).hexdigest()


def head_mac(seq: int, last_hash: str, *, key: bytes | None = None) -> str:
    """Seals the head (number and hash of the newest event) so the chain cannot be shortened."""
    return hmac.new(key or _key(), f"{seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any], *, hidden: Iterable[str] = ()
) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed; hidden fields show no values."""
    hidden = set(hidden)
    changes: dict[str, list[Any]] = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            changes[name] = [HIDDEN, HIDDEN] if name in hidden else [old, new]
    return _canonical(changes)


def client_address(request: HttpRequest | None) -> str | None:
    """The request's address, one way everywhere (the audit trail, the sign-in lockout): the
    canonical form of REMOTE_ADDR (gunicorn trusts forwarded headers from 127.0.0.1 only)."""
    if request is None:
        return None
    try:
        # Store (and hash) the canonical form the database will give back.
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR") or ""))
    except ValueError:
        return None


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    client_id: int | None = None,
    agency_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the chain.

    Call it inside the service's transaction so the event and the write commit together. The
    chain head is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions
    already serialise writers), which keeps sequence numbers gap-free under concurrency.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        if client_id is None:
            client_id = getattr(target, "client_id", None)
            if client_id is None and target._meta.label_lower == "people.client":
                client_id = target.pk
        if agency_id is None:
            agency_id = getattr(target, "agency_id", None)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    if agency_id is None and is_user:
        agency_id = getattr(actor, "agency_id", None)
    label = actor_label or (getattr(actor, "username", "") if is_user else "")
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = _head_recreate()
        fields: dict[str, Any] = {
            "seq": head.seq + 1,
            "at": timezone.now(),
            "agency_id": agency_id,
            "actor_id": actor.pk if is_user else None,
            "actor_label": label[:150],
            "action": action,
            "target_type": target_type,
            "target_id": str(target_id)[:64],
            "client_id": client_id,
            "changes": _canonical(dict(changes or {})),
            "ip": client_address(request),
            "prev_hash": head.hash,
        }
        fields["hash"] = event_hash(fields)
        event = AuditEvent.objects.create(**fields)
        AuditHead.objects.filter(pk=1).update(
            seq=event.seq, hash=event.hash, mac=head_mac(event.seq, event.hash)
        )
    return event


def _head_recreate() -> AuditHead:
    """The head row is created by a migration and never deleted. If it is missing, someone
    removed it: keep the trail working, but write the discontinuity into the chain itself,
    where `verify-audit` reports it."""
    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    seq, last_hash = (last.seq, last.hash) if last else (0, GENESIS)
    head = AuditHead.objects.create(pk=1, seq=seq, hash=last_hash, mac=head_mac(seq, last_hash))
    fields: dict[str, Any] = {
        "seq": seq + 1,
        "at": timezone.now(),
        "agency_id": None,
        "actor_id": None,
        "actor_label": "system",
        "action": HEAD_RECREATED,
        "target_type": "audit.audithead",
        "target_id": "1",
        "client_id": None,
        "changes": {"reason": ["", "the chain head was missing"]},
        "ip": None,
        "prev_hash": last_hash,
    }
    fields["hash"] = event_hash(fields)
    event = AuditEvent.objects.create(**fields)
    AuditHead.objects.filter(pk=1).update(
        seq=event.seq, hash=event.hash, mac=head_mac(event.seq, event.hash)
    )
    head.seq, head.hash = event.seq, event.hash
    return head
