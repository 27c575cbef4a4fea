"""/api/v1/clients: tokens, scoping, 404 for others, audit, validation, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from strengthwise.audit.models import AuditEvent
from strengthwise.people.models import Client

NEW = {"legal_first_name": "Marcus", "legal_last_name": "Oyelaran", "date_of_birth": "1979-05-30"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/clients"),
        ("get", "/api/v1/clients/1"),
        ("post", "/api/v1/clients"),
        ("patch", "/api/v1/clients/1"),
    ],
)
def test_every_endpoint_requires_a_token(personas, api, method, path):
    client = api(None)
    response = client.get(path) if method == "get" else getattr(client, method)(path, {})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_list_is_scoped_and_paginated(personas, api):
    body = api(personas.alice).get("/api/v1/clients?page_size=2").json()
    assert body["count"] is None and len(body["items"]) == 2 and body["next_cursor"]
    page2 = api(personas.alice).get(f"/api/v1/clients?page_size=2&cursor={body['next_cursor']}")
    page2 = page2.json()
    assert len(page2["items"]) == 1 and page2["next_cursor"] is None
    all_ids = {i["id"] for i in body["items"]} | {i["id"] for i in page2["items"]}
    assert all_ids == {personas.dana.pk, personas.rosa.pk, personas.dana_duplicate.pk}
    assert len(api(personas.mallory).get("/api/v1/clients").json()["items"]) == 1


def test_search_with_a_typo(personas, api):
    items = api(personas.alice).get("/api/v1/clients?q=witfield").json()["items"]
    assert items[0]["display_name"] == "Dana Whitfield"
    assert api(personas.carol).get("/api/v1/clients?q=witfield").json()["count"] == 0


def test_owner_reads_dana_and_the_read_is_audited(personas, api, dana, audit_events):
    body = api(personas.alice).get(f"/api/v1/clients/{dana.pk}").json()
    assert body["display_name"] == "Dana Whitfield" and body["pronouns"] == "she/her"
    assert [m["name"] for m in body["household"]] == ["Jayden Whitfield", "Marisol Whitfield"]
    assert body["episodes"][0]["program"] == "Housing Stability"
    assert body["address"]["city"] == "River City"
    assert audit_events("client.viewed", client_id=dana.pk, actor_id=personas.alice.pk)


@pytest.mark.parametrize("who", ["carol", "mallory", "priya", "admin"])
def test_others_get_404_and_change_nothing(personas, api, dana, who):
    client = api(getattr(personas, who))
    assert client.get(f"/api/v1/clients/{dana.pk}").status_code == 404
    response = client.patch(f"/api/v1/clients/{dana.pk}", {"version": 1, "legal_first_name": "X"})
    assert response.status_code == 404
    assert Client.objects.get(pk=dana.pk).legal_first_name == "Dana"


@pytest.mark.parametrize("bad_id", ["abc", "0", "-3", "99999999", "1e3"])
def test_malformed_or_missing_ids_are_404(personas, api, bad_id):
    assert api(personas.alice).get(f"/api/v1/clients/{bad_id}").status_code == 404


def test_confidential_address_is_null_for_the_supervisor(personas, api):
    keisha = personas.carol_client
    assert (
        api(personas.carol).get(f"/api/v1/clients/{keisha.pk}").json()["address"]["line1"]
        == "(shelter address)"
    )
    body = api(personas.bob).get(f"/api/v1/clients/{keisha.pk}").json()
    assert body["address"] is None and body["address_confidential"] is True
    response = api(personas.bob).patch(
        f"/api/v1/clients/{keisha.pk}", {"version": 1, "city": "Elsewhere"}
    )
    assert response.status_code == 400


def test_create_then_duplicate_check(personas, api, audit_events):
    client = api(personas.alice)
    response = client.post("/api/v1/clients", NEW)
    assert response.status_code == 201
    created = response.json()
    assert created["primary_worker"] == "alice" and created["team"] == "Housing Stability"
    assert audit_events("client.created", client_id=created["id"])
    again = client.post("/api/v1/clients", {**NEW, "legal_last_name": "Oyelaren"})
    assert again.status_code == 409
    assert again.json()["matches"][0]["id"] == created["id"]
    confirmed = client.post(
        "/api/v1/clients", {**NEW, "legal_last_name": "Oyelaren", "confirm_not_duplicate": True}
    )
    assert confirmed.status_code == 201


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        (
            {**NEW, "date_of_birth": (dt.date.today() + dt.timedelta(days=2)).isoformat()},
            400,
            "future",
        ),
        ({"legal_first_name": "", "legal_last_name": ""}, 400, "first or a last name"),
        ({**NEW, "legal_last_name": "x" * 101}, 422, "100 characters"),
        ({**NEW, "date_of_birth": "yesterday"}, 422, "date"),
        ({**NEW, "preferred_language": "klingon"}, 422, "Input should be"),
        ({**NEW, "phone": "call me"}, 400, "phone"),
        ({**NEW, "email": "nope"}, 400, "email"),
    ],
)
def test_bad_input_is_a_4xx_with_a_reason_and_writes_nothing(
    personas, api, payload, status, reason
):
    client = api(personas.alice)
    before_clients, before_events = Client.objects.count(), AuditEvent.objects.count()
    response = client.post("/api/v1/clients", payload)
    assert response.status_code == status
    assert reason.lower() in response.content.decode().lower()
    assert Client.objects.count() == before_clients
    assert AuditEvent.objects.count() == before_events


def test_malformed_json_is_a_4xx(personas, api):
    client = api(personas.alice)
    response = client.http.post(
        "/api/v1/clients", "{not json", content_type="application/json", headers=client.headers
    )
    assert 400 <= response.status_code < 500


def test_patch_with_version_check(personas, api, dana, audit_events):
    client = api(personas.alice)
    response = client.patch(f"/api/v1/clients/{dana.pk}", {"version": 1, "preferred_name": "Dee"})
    assert response.status_code == 200
    assert response.json()["preferred_name"] == "Dee" and response.json()["version"] == 2
    assert audit_events("client.updated", client_id=dana.pk)[-1].changes == {
        "preferred_name": ["", "Dee"]
    }
    stale = client.patch(f"/api/v1/clients/{dana.pk}", {"version": 1, "preferred_name": "D."})
    assert stale.status_code == 409
    body = stale.json()
    assert (
        body["current"]["preferred_name"] == "Dee" and body["attempted"]["preferred_name"] == "D."
    )
    dana.refresh_from_db()
    assert dana.preferred_name == "Dee"


def test_patch_requires_a_version_and_valid_fields(personas, api, dana):
    client = api(personas.alice)
    assert client.patch(f"/api/v1/clients/{dana.pk}", {"preferred_name": "Dee"}).status_code == 422
    future = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    response = client.patch(f"/api/v1/clients/{dana.pk}", {"version": 1, "date_of_birth": future})
    assert response.status_code == 400
    dana.refresh_from_db()
    assert dana.version == 1


def test_openapi_and_docs_are_served(personas, web):
    schema = web().get("/api/openapi.json").json()
    assert "/api/v1/clients" in schema["paths"] and "/api/v1/clients/{client_id}" in schema["paths"]
    docs = web().get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn." not in docs.content  # no CDNs: assets are served by the app


def test_a_conflict_never_shows_a_confidential_address_to_the_supervisor(personas, api):
    keisha = personas.carol_client
    response = api(personas.bob).patch(
        f"/api/v1/clients/{keisha.pk}", {"version": 0, "pronouns": "she/her"}
    )
    assert response.status_code == 409
    assert "(shelter address)" not in response.content.decode()
    assert response.json()["current"]["address_line1"] == "[hidden]"


def test_api_duplicates_in_another_team_reveal_nothing_about_them(personas, api):
    response = api(personas.carol).post(
        "/api/v1/clients", {"legal_first_name": "Dana", "legal_last_name": "Whitfield"}
    )
    assert response.status_code == 409
    matches = response.json()["matches"]
    assert matches and all(
        m["visible"] is False
        and m["id"] is None
        and m["name"] is None
        and m["date_of_birth"] is None
        for m in matches
    )
    assert "1992-04-17" not in response.content.decode()


@pytest.mark.parametrize("field", ["legal_first_name", "pronouns", "contact_notes"])
def test_null_characters_are_refused_with_a_reason(personas, api, dana, field):
    client = api(personas.alice)
    response = client.post("/api/v1/clients", {**NEW, field: "Mar\x00cus"})
    assert response.status_code == 400 and "Null characters" in response.content.decode()
    response = client.patch(f"/api/v1/clients/{dana.pk}", {"version": 1, field: "a\x00b"})
    assert response.status_code == 400


def test_names_are_tidied_the_same_way_in_the_api_and_the_pages(personas, api):
    created = (
        api(personas.alice)
        .post(
            "/api/v1/clients",
            {**NEW, "legal_first_name": "  Marcus   J ", "confirm_not_duplicate": True},
        )
        .json()
    )
    assert created["legal_first_name"] == "Marcus J"


@pytest.mark.parametrize("q", ["-", "+", "()", ".", " - ( ) "])
def test_punctuation_only_searches_answer_200(personas, api, web, q):
    assert api(personas.alice).get("/api/v1/clients", data={"q": q}).status_code == 200
    assert web(personas.alice).get("/clients/search/", data={"q": q}).status_code == 200
