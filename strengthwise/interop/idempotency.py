"""`Idempotency-Key` on the API's POSTs: a client that lost the answer to a POST (a dropped
connection, a timeout) sends it again with the same key and gets the first answer, while
nothing is created twice.

- The key is scoped to the bearer token that sent it (a digest of the Authorization header:
  two integrations cannot collide, and nobody replays another's answer).
- The first request claims the key (a unique row) before it runs; the same key again while it
  runs → 409; after it, the same key with another body or path → 422; after a success (2xx) → the stored
  answer with `Idempotent-Replayed: true`. A request that failed (4xx, 5xx, an exception)
  frees the key, so the corrected request can use it again.
- Answers are kept for KEEP (sealed at rest) and then forgotten."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(hours=24)
MAX_KEY = 255
PREFIX = "/api/v1/"


def _refuse(status: int, detail: str) -> HttpResponse:
    body: dict[str, object] = {"detail": detail}
    if status == 422:  # the shape of every 422: what is wrong, and where
        body["errors"] = [{"field": HEADER, "reason": detail}]
    return JsonResponse(body, status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(PREFIX):
            return self.get_response(request)
        auth = request.headers.get("Authorization", "")
        if not auth:
            return self.get_response(request)  # the API answers 401 as usual
        if not 1 <= len(key) <= MAX_KEY or not key.isprintable():
            return _refuse(422, f"{HEADER} must be 1 to {MAX_KEY} printable characters.")
        owner = hashlib.sha256(auth.encode()).hexdigest()
        fingerprint = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        claimed, replay = _claim(owner, key, fingerprint)
        if replay is not None:
            return replay
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotentRequest.objects.filter(pk=claimed).delete()
            raise
        if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
            IdempotentRequest.objects.filter(pk=claimed).update(
                status=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content.decode("utf-8", "replace"),
            )
        else:
            IdempotentRequest.objects.filter(pk=claimed).delete()
        return response


def _claim(owner: str, key: str, fingerprint: str) -> tuple[int, HttpResponse | None]:
    """(the claimed row's id, None) for a new request; (0, the answer) otherwise."""
    now = timezone.now()
    IdempotentRequest.objects.filter(created_at__lt=now - KEEP).delete()
    try:
        with transaction.atomic():
            row = IdempotentRequest.objects.create(owner=owner, key=key, fingerprint=fingerprint)
        return row.pk, None
    except IntegrityError:
        pass
    earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
    if earlier is None:  # it failed and freed the key a moment ago: try once more
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint
                )
            return row.pk, None
        except IntegrityError:
            return 0, _refuse(409, "A request with this Idempotency-Key is still running.")
    if earlier.status is None:
        return 0, _refuse(409, "A request with this Idempotency-Key is still running.")
    if earlier.fingerprint != fingerprint:
        return 0, _refuse(
            422, "This Idempotency-Key was used for a different request; use a new key."
        )
    response = HttpResponse(
        earlier.body.encode(), status=earlier.status, content_type=earlier.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return 0, response


def describe() -> dict[str, Any]:
    """The header as an OpenAPI parameter, for every POST."""
    return {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Send the same key again (within a day, with the same body) to get the first "
            "answer instead of doing it twice. A key in use answers 409; with another body, 422."
        ),
        "schema": {"type": "string", "maxLength": MAX_KEY},
    }
