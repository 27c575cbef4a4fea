"""`Idempotency-Key` on the API's POSTs: a client that lost the answer to a POST (a dropped
connection, a timeout) sends it again with the same key and gets the first answer, while
nothing is created twice.

- Only a valid bearer token gets anywhere: the token is checked here, before any claim or
  replay (a revoked token, an expired one or a deactivated user gets 401, never a stored
  answer). The key is scoped to that token (a digest of it): two integrations cannot collide,
  and nobody replays another's answer.
- The first request claims the key (a unique row) before it runs. The same key again while it
  runs → 409; after it succeeded (2xx) → the stored answer with `Idempotent-Replayed: true`; the
  same key with another body, path, query or content type → 422.
- A request refused (4xx) frees the key, so the corrected request can use it again. A request
  that failed on the server (5xx, a crash, a killed worker) may or may not have written: its
  claim stays (409, "try again in a few minutes") and is released after STALE, never at once,
  so a retry cannot write twice on the heels of a partial failure.
- An answer that holds a one-time secret (a portal invitation's code) is never stored: the
  operation sets `request.idempotency_withhold`; the same key again → 409 saying so.
- Answers are kept for KEEP, sealed at rest, then forgotten (expired rows go whenever a key
  is claimed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from strengthwise.accounts.tokens import token_user

from .models import IdempotentRequest

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(hours=24)
STALE = dt.timedelta(minutes=5)
MAX_KEY = 255
PREFIX = "/api/v1/"
WITHHELD = 299  # the status kept for an answer that held a secret (never sent as such)


def _refuse(status: int, detail: str) -> HttpResponse:
    body: dict[str, object] = {"detail": detail}
    if status == 422:  # the shape of every 422: what is wrong, and where
        body["errors"] = [{"field": HEADER, "reason": detail}]
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(PREFIX):
            return self.get_response(request)
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or token_user(token.strip()) is None:
            return _refuse(401, "Sign in with a bearer token: Authorization: Bearer <token>.")
        if not 1 <= len(key) <= MAX_KEY or not key.isprintable():
            return _refuse(422, f"{HEADER} must be 1 to {MAX_KEY} printable characters.")
        owner = hashlib.sha256(token.strip().encode()).hexdigest()
        fingerprint = hashlib.sha256(
            b"\n".join(
                [
                    request.method.encode(),
                    request.get_full_path().encode(),
                    (request.content_type or "").encode(),
                    request.body,
                ]
            )
        ).hexdigest()
        claimed, answer = _claim(owner, key, fingerprint)
        if answer is not None:
            return answer
        response = self.get_response(request)  # a crash keeps the claim (see the docstring)
        _settle(claimed, request, response)
        return response


def _settle(claimed: int, request: HttpRequest, response: HttpResponse) -> None:
    """Keep a success's answer, free the key of a refusal, leave a server failure claimed."""
    try:
        if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
            withhold = getattr(request, "idempotency_withhold", False)
            IdempotentRequest.objects.filter(pk=claimed).update(
                status=WITHHELD if withhold else response.status_code,
                content_type="" if withhold else response.get("Content-Type", ""),
                body="" if withhold else response.content.decode("utf-8", "replace"),
            )
        elif 400 <= response.status_code < 500:
            IdempotentRequest.objects.filter(pk=claimed).delete()
    except DatabaseError:
        # The request itself succeeded or was refused as it says; only the bookkeeping
        # failed. The claim stays "running" and is released after STALE.
        logger.warning("idempotency: could not settle claim %s", claimed, exc_info=True)


def _claim(owner: str, key: str, fingerprint: str) -> tuple[int, HttpResponse | None]:
    """(the claimed row's id, None) for a request to run; (0, the answer) otherwise."""
    now = timezone.now()
    IdempotentRequest.objects.filter(created_at__lt=now - KEEP).delete()
    IdempotentRequest.objects.filter(
        owner=owner, key=key, status__isnull=True, created_at__lt=now - STALE
    ).delete()
    for _attempt in range(2):  # a key freed between our insert and our read: once more
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint
                )
            return row.pk, None
        except IntegrityError:
            earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
        if earlier is not None:
            break
    else:
        return 0, _refuse(409, "A request with this Idempotency-Key is still running.")
    if earlier.status is None:
        return 0, _refuse(
            409,
            "A request with this Idempotency-Key is still running, or failed on the server: "
            "try again in a few minutes.",
        )
    if earlier.fingerprint != fingerprint:
        return 0, _refuse(
            422, "This Idempotency-Key was used for a different request; use a new key."
        )
    if earlier.status == WITHHELD:
        return 0, _refuse(
            409,
            "This request succeeded, and its answer held a one-time secret that is not kept. "
            "Make a new one.",
        )
    response = HttpResponse(
        earlier.body.encode(), status=earlier.status, content_type=earlier.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return 0, response


def describe() -> dict[str, object]:
    """The header as an OpenAPI parameter, for every POST."""
    return {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Send the same key again (within a day, with the same request) to get the first "
            "answer instead of doing it twice. A key in use answers 409; with another request, "
            "422."
        ),
        "schema": {"type": "string", "maxLength": MAX_KEY},
    }
