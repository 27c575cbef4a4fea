"""Strengths and barriers by level through the API (issue 13, part 2): what the factors page
does, with the same service — protected categories suggested from the words included."""

from __future__ import annotations

import pytest

from strengthwise.assessments.models import Factor
from strengthwise.audit.models import AuditEvent


def test_a_strength_is_recorded_read_and_set_aside(personas, api):
    alice = api(personas.alice)
    url = f"/api/v1/clients/{personas.dana.pk}/factors"
    response = alice.post(
        url,
        {
            "description": "Got herself sober six years ago and stays with it",
            "level": "micro",
            "valence": "strength",
            "domain": "health",
            "author": "client",
            "verbatim": True,
        },
    )
    assert response.status_code == 201, response.content
    factor = response.json()
    assert factor["categories"] == ["substance_use"]  # suggested from the words
    assert factor["author"] == "client" and factor["verbatim"] is True
    listed = alice.get(url).json()
    assert [f["id"] for f in listed] == [factor["id"]]
    assert AuditEvent.objects.filter(action="factors.viewed", client_id=personas.dana.pk).exists()
    aside = alice.post(f"/api/v1/factors/{factor['id']}/set-aside", {})
    assert aside.status_code == 200 and aside.json()["active"] is False
    assert alice.get(url).json() == []


def test_bad_factors_are_refused_with_a_reason(personas, api):
    alice = api(personas.alice)
    url = f"/api/v1/clients/{personas.dana.pk}/factors"
    base = {"description": "x", "level": "micro", "valence": "strength", "domain": "health"}
    assert alice.post(url, {**base, "level": "cosmic"}).status_code == 422
    unknown_domain = alice.post(url, {**base, "domain": "astrology"})
    assert unknown_domain.status_code == 400 and "domain" in unknown_domain.json()["errors"]
    assert not Factor.objects.filter(client=personas.dana).exists()


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_get_404(personas, api, who):
    factor = Factor.objects.create(
        agency_id=personas.dana.agency_id,
        client=personas.dana,
        description="Loves cooking",
        level="micro",
        valence="strength",
        domain="health",
        recorded_by=personas.alice,
    )
    other = api(getattr(personas, who))
    assert other.get(f"/api/v1/clients/{personas.dana.pk}/factors").status_code == 404
    assert other.post(f"/api/v1/factors/{factor.pk}/set-aside", {}).status_code == 404
    assert Factor.objects.get(pk=factor.pk).active is True
