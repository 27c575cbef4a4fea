"""The OpenAPI document declares the error answers every operation gives (issue 12 item 10),
and the answers really have that shape."""

from __future__ import annotations

import jsonschema
import pytest

from strengthwise.api import api as ninja_api


def _schema() -> dict:
    return ninja_api.get_openapi_schema()


def test_every_operation_declares_its_error_answers():
    missing = []
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            wanted = {"401", "422"}
            if "{" in path:
                wanted.add("404")
            if method != "get":
                wanted |= {"400", "409"}
            absent = wanted - set(operation["responses"])
            if absent:
                missing.append(f"{method.upper()} {path}: {sorted(absent)}")
    assert missing == []


def _check(response, name: str) -> None:
    schema = {**_schema()["components"]["schemas"][name]}
    jsonschema.validate(response.json(), schema)


@pytest.mark.django_db
def test_the_answers_match_the_declared_shapes(personas, api):
    alice = api(personas.alice)
    _check(api(None).get("/api/v1/clients"), "Error")  # 401
    _check(alice.get("/api/v1/clients/999999"), "Error")  # 404
    _check(alice.get("/api/v1/clients?page=0"), "ValidationError")  # 422
    refused = alice.post("/api/v1/clients/999999/transfer", {})
    assert refused.status_code in (404, 422)
    current = alice.get(f"/api/v1/clients/{personas.dana.pk}").json()
    stale = alice.patch(
        f"/api/v1/clients/{personas.dana.pk}",
        {"version": current["version"] - 1, "preferred_name": "D"},
    )
    assert stale.status_code == 409
    _check(stale, "ConflictError")


@pytest.mark.django_db
def test_an_unknown_property_is_refused_not_dropped(personas, api):
    alice = api(personas.alice)
    current = alice.get(f"/api/v1/clients/{personas.dana.pk}").json()
    typo = alice.patch(
        f"/api/v1/clients/{personas.dana.pk}",
        {"version": current["version"], "prefered_name": "Dee"},  # misspelt
    )
    assert typo.status_code == 422
    assert any("prefered_name" in e["field"] for e in typo.json()["errors"]), typo.json()
    assert alice.get(f"/api/v1/clients/{personas.dana.pk}").json()["version"] == current["version"]
