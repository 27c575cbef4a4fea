"""Idempotency-Key (issue 13, part 2): a POST sent again with the same key creates nothing
twice and gets the first answer; the key belongs to one token; a failure frees it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from strengthwise.audit.models import AuditEvent
from strengthwise.interop.idempotency import KEEP
from strengthwise.interop.models import IdempotentRequest
from strengthwise.people.models import Client

NEW = {"legal_first_name": "Marcus", "legal_last_name": "Oyelaran", "date_of_birth": "1979-05-30"}
KEY = {"Idempotency-Key": "4f9c-create-marcus"}


def _marcus() -> int:
    return Client.objects.filter(legal_last_name="Oyelaran").count()


def test_the_same_key_creates_one_client_and_replays_the_first_answer(personas, api):
    alice = api(personas.alice)
    first = alice.post("/api/v1/clients", NEW, headers=KEY)
    assert first.status_code == 201, first.content
    again = alice.post("/api/v1/clients", NEW, headers=KEY)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _marcus() == 1
    assert AuditEvent.objects.filter(action="client.created").count() == 1
    # The stored answer is sealed at rest.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM interop_idempotentrequest")
        (raw,) = cursor.fetchone()
    assert "Oyelaran" not in raw


def test_the_same_key_with_another_body_is_refused(personas, api):
    alice = api(personas.alice)
    assert alice.post("/api/v1/clients", NEW, headers=KEY).status_code == 201
    other = alice.post("/api/v1/clients", {**NEW, "legal_first_name": "Mark"}, headers=KEY)
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert _marcus() == 1


def test_a_failed_request_frees_its_key(personas, api):
    alice = api(personas.alice)
    bad = alice.post("/api/v1/clients", {**NEW, "shoe_size": 9}, headers=KEY)
    assert bad.status_code == 422
    assert not IdempotentRequest.objects.exists()
    assert alice.post("/api/v1/clients", NEW, headers=KEY).status_code == 201
    assert _marcus() == 1


def test_a_key_belongs_to_its_token(personas, api):
    assert api(personas.alice).post("/api/v1/clients", NEW, headers=KEY).status_code == 201
    # Another token (another integration) with the same key is its own request: the
    # duplicate check then asks for confirmation, as for any second Marcus.
    second = api(personas.alice).post(
        "/api/v1/clients", {**NEW, "confirm_not_duplicate": True}, headers=KEY
    )
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert _marcus() == 2


def test_a_key_still_running_answers_409_and_an_old_one_is_forgotten(personas, api):
    import hashlib

    alice = api(personas.alice)
    token = alice.headers["Authorization"].split(" ", 1)[1]
    owner = hashlib.sha256(token.encode()).hexdigest()
    running = IdempotentRequest.objects.create(
        owner=owner, key=KEY["Idempotency-Key"], fingerprint="x"
    )
    busy = alice.post("/api/v1/clients", NEW, headers=KEY)
    assert busy.status_code == 409 and "still running" in busy.json()["detail"]
    assert _marcus() == 0
    IdempotentRequest.objects.filter(pk=running.pk).update(
        created_at=timezone.now() - KEEP - dt.timedelta(minutes=1)
    )
    assert alice.post("/api/v1/clients", NEW, headers=KEY).status_code == 201
    assert _marcus() == 1


def test_a_bad_key_and_no_token_are_answered_plainly(personas, api):
    alice = api(personas.alice)
    long = alice.post("/api/v1/clients", NEW, headers={"Idempotency-Key": "k" * 256})
    assert long.status_code == 422
    assert api(None).post("/api/v1/clients", NEW, headers=KEY).status_code == 401
    assert not IdempotentRequest.objects.exists()


def test_every_post_documents_the_header():
    from strengthwise.api import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    posts = [
        op
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method == "post" and path.startswith("/api/v1/")
    ]
    assert posts
    assert all(
        any(p["name"] == "Idempotency-Key" for p in op.get("parameters", [])) for op in posts
    )


def test_a_revoked_token_gets_no_stored_answer(personas, api):
    from strengthwise.accounts.models import ApiToken

    alice = api(personas.alice)
    assert alice.post("/api/v1/clients", NEW, headers=KEY).status_code == 201
    ApiToken.objects.update(revoked_at=timezone.now())
    again = alice.post("/api/v1/clients", NEW, headers=KEY)
    assert again.status_code == 401
    assert b"Oyelaran" not in again.content


def test_a_deactivated_user_gets_no_stored_answer(personas, api):
    alice = api(personas.alice)
    assert alice.post("/api/v1/clients", NEW, headers=KEY).status_code == 201
    personas.alice.is_active = False
    personas.alice.save()
    assert alice.post("/api/v1/clients", NEW, headers=KEY).status_code == 401


def test_a_one_time_code_is_never_stored_or_replayed(personas, api):
    alice = api(personas.alice)
    url = f"/api/v1/clients/{personas.dana.pk}/portal-invitation"
    first = alice.post(url, {}, headers=KEY)
    assert first.status_code == 201
    code = first.json()["code"]
    (row,) = IdempotentRequest.objects.all()
    assert row.body == "" and code not in row.body
    again = alice.post(url, {}, headers=KEY)
    assert again.status_code == 409 and "one-time secret" in again.json()["detail"]
    assert code.encode() not in again.content


def test_a_server_failure_keeps_the_claim_until_it_goes_stale(personas, api, monkeypatch):
    from strengthwise.interop.idempotency import STALE
    from strengthwise.people import services as people_services

    alice = api(personas.alice)
    alice.http.raise_request_exception = False

    def broken(**kwargs):
        raise RuntimeError("the database went away after the write")

    monkeypatch.setattr(people_services, "client_intake", broken)
    assert alice.post("/api/v1/clients", NEW, headers=KEY).status_code == 500
    monkeypatch.undo()
    # Maybe it wrote: a retry at once is not run twice.
    busy = alice.post("/api/v1/clients", NEW, headers=KEY)
    assert busy.status_code == 409 and "few minutes" in busy.json()["detail"]
    IdempotentRequest.objects.update(created_at=timezone.now() - STALE - dt.timedelta(seconds=1))
    assert alice.post("/api/v1/clients", NEW, headers=KEY).status_code == 201
    assert _marcus() == 1


def test_a_different_query_string_is_a_different_request(personas, api):
    alice = api(personas.alice)
    assert alice.post("/api/v1/clients?x=1", NEW, headers=KEY).status_code == 201
    other = alice.post("/api/v1/clients?x=2", NEW, headers=KEY)
    assert other.status_code == 422
