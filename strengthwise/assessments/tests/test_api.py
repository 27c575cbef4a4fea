"""/api/v1/clients/{id}/assessments: same rules, same audit, clear 4xx."""

from __future__ import annotations

import pytest

from strengthwise.assessments import selectors
from strengthwise.assessments.models import EcomapNode, StrengthsAssessment
from strengthwise.assessments.templates_data import shipped_template
from strengthwise.audit.models import AuditEvent

DOMAINS = [d["key"] for d in shipped_template("ssm")["domains"]]


def path(client):
    return f"/api/v1/clients/{client.pk}/assessments"


def test_read_every_kind_with_versions_and_audit(assessed, api):
    body = api(assessed.alice).get(path(assessed.dana)).json()
    assert set(body) == {"strengths", "motivation", "ssm", "ecomap", "screening"}
    assert [v["number"] for v in body["strengths"]["versions"]] == [2, 1]
    assert len(body["motivation"]["answers"]) == 2 and len(body["motivation"]["concerns"]) == 2
    assert [a["administration"] for a in body["ssm"]] == ["entry", "review"]
    assert len(body["ecomap"]["nodes"]) == 10 and len(body["ecomap"]["snapshots"]) == 2
    assert body["screening"][0]["results"]["transportation"]["positive"] is True
    assert AuditEvent.objects.filter(
        action="assessments.viewed", client_id=assessed.dana.pk
    ).exists()


def test_read_one_kind(assessed, api):
    body = api(assessed.alice).get(path(assessed.dana) + "?kind=ssm").json()
    assert list(body) == ["ssm"]
    assert api(assessed.alice).get(path(assessed.dana) + "?kind=horoscope").status_code == 422


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_get_404_and_write_nothing(assessed, api, who):
    client = api(getattr(assessed, who))
    assert client.get(path(assessed.dana)).status_code == 404
    response = client.post(
        path(assessed.dana),
        {"kind": "ecomap", "add_nodes": [{"label": "x", "kind": "family", "level": "meso"}]},
    )
    assert response.status_code == 404
    assert EcomapNode.objects.filter(client=assessed.dana).count() == 10


def test_token_required(assessed, api):
    assert api(None).get(path(assessed.dana)).status_code == 401


def test_post_a_strengths_version_with_version_check(assessed, api):
    client = api(assessed.alice)
    version = StrengthsAssessment.objects.get(client=assessed.dana).version
    content = {
        "domains": {
            "leisure": {
                "aspirations": {
                    "text": "Teach Jayden to paint",
                    "author": "client",
                    "verbatim": True,
                }
            }
        },
        "priorities": [{"text": "A home", "author": "client", "verbatim": True}],
    }
    response = client.post(
        path(assessed.dana), {"kind": "strengths", "version": version, "content": content}
    )
    assert response.status_code == 201
    assert response.json()["strengths"]["versions"][0]["number"] == 3
    stale = client.post(
        path(assessed.dana), {"kind": "strengths", "version": version, "content": content}
    )
    assert stale.status_code == 409 and "current" in stale.json()


def test_post_a_matrix_and_its_rules(personas, api):
    client = api(personas.alice)
    scores = {k: {"score": 3} for k in DOMAINS}
    ok = client.post(
        path(personas.dana),
        {
            "kind": "ssm",
            "administration": "entry",
            "administered_on": "2026-03-01",
            "scores": scores,
        },
    )
    assert ok.status_code == 201
    again = client.post(
        path(personas.dana),
        {
            "kind": "ssm",
            "administration": "entry",
            "administered_on": "2026-03-02",
            "scores": scores,
        },
    )
    assert again.status_code == 400 and "entry" in again.json()["detail"]
    missing = {k: v for k, v in scores.items() if k != "housing"}
    bad = client.post(
        path(personas.dana),
        {
            "kind": "ssm",
            "administration": "review",
            "administered_on": "2026-04-01",
            "scores": missing,
        },
    )
    assert bad.status_code == 400 and "housing" in bad.json()["errors"]
    out_of_range = client.post(
        path(personas.dana),
        {
            "kind": "ssm",
            "administration": "review",
            "administered_on": "2026-04-01",
            "scores": scores | {"housing": {"score": 9}},
        },
    )
    assert out_of_range.status_code == 422
    assert len(selectors.ssm_administrations(client=personas.dana)) == 1


def test_post_motivation_ecomap_and_screening(assessed, api):
    client = api(assessed.alice)
    assert (
        client.post(
            path(assessed.dana), {"kind": "motivation", "dreams": "Paint again"}
        ).status_code
        == 201
    )
    response = client.post(
        path(assessed.dana),
        {
            "kind": "ecomap",
            "snapshot": True,
            "add_nodes": [
                {
                    "label": "Pastor Ruth",
                    "kind": "faith",
                    "level": "meso",
                    "strength": "strong",
                    "flow": "to_client",
                }
            ],
        },
    )
    assert response.status_code == 201
    assert len(response.json()["ecomap"]["snapshots"]) == 3
    assert (
        client.post(
            path(assessed.dana), {"kind": "screening", "answers": {"transportation": "yes"}}
        ).status_code
        == 201
    )
    assert (
        client.post(
            path(assessed.dana), {"kind": "screening", "answers": {"transportation": "maybe"}}
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"kind": "tarot"},
        {"kind": "motivation", "dreams": "x" * 3000},
        {"kind": "ecomap", "add_nodes": [{"label": "x", "kind": "spaceship", "level": "meso"}]},
    ],
)
def test_malformed_requests_are_422(personas, api, payload):
    assert api(personas.alice).post(path(personas.dana), payload).status_code == 422
