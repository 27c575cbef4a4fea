"""Every assessment page and action: sign-in required, carol/mallory/priya get 404, the owner
succeeds and the read is audited."""

from __future__ import annotations

import pytest

from strengthwise.assessments.models import EcomapNode, Factor, StrengthsAssessmentVersion
from strengthwise.audit.models import AuditEvent

PAGES = [
    ("", "assessments.viewed"),
    ("strengths/", "strengths_assessment.viewed"),
    ("strengths/versions/", "strengths_assessment.viewed"),
    ("factors/", "factors.viewed"),
    ("motivation/", "motivation.viewed"),
    ("matrix/", "ssm.viewed"),
    ("matrix/new/", "ssm.viewed"),
    ("ecomap/", "ecomap.viewed"),
    ("ecomap/compare/", "ecomap.viewed"),
    ("screening/", "screening.viewed"),
]


def url(client, path):
    return f"/clients/{client.pk}/assessments/{path}"


@pytest.mark.parametrize(("path", "action"), PAGES)
def test_owner_opens_every_page_and_the_read_is_audited(assessed, web, path, action):
    response = web(assessed.alice).get(url(assessed.dana, path))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action=action, client_id=assessed.dana.pk, actor_id=assessed.alice.pk
    ).exists()
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("path", "action"), PAGES)
def test_supervisor_opens_every_page(assessed, web, path, action):
    assert web(assessed.bob).get(url(assessed.dana, path)).status_code == 200


@pytest.mark.parametrize(("path", "action"), PAGES)
def test_sign_in_required(assessed, web, path, action):
    response = web().get(url(assessed.dana, path))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_get_404_on_every_page_and_action_and_change_nothing(assessed, web, who):
    browser = web(getattr(assessed, who))
    dana = assessed.dana
    for path, _action in PAGES:
        assert browser.get(url(dana, path)).status_code == 404, path
    versions = StrengthsAssessmentVersion.objects.count()
    factor = Factor.objects.filter(client=dana).first()
    node = EcomapNode.objects.filter(client=dana).first()
    posts = [
        ("strengths/", {"version": 2, "daily_living__aspirations__text": "x"}),
        (
            "factors/",
            {
                "description": "x",
                "valence": "strength",
                "level": "micro",
                "domain": "health",
                "author": "client",
            },
        ),
        (f"factors/{factor.pk}/set-aside/", {}),
        ("motivation/", {"action": "answers", "recorded_on": "2026-01-01", "dreams": "x"}),
        ("matrix/new/", {"kind": "review", "administered_on": "2026-01-01"}),
        (
            "ecomap/",
            {
                "label": "x",
                "kind": "family",
                "level": "meso",
                "strength": "strong",
                "quality": "positive",
                "flow": "both",
            },
        ),
        (f"ecomap/nodes/{node.pk}/", {f"tie{node.pk}-strength": "tenuous"}),
        (f"ecomap/nodes/{node.pk}/remove/", {}),
        ("ecomap/snapshots/", {}),
        ("screening/", {"transportation": "yes"}),
    ]
    for path, data in posts:
        assert browser.post(url(dana, path), data).status_code == 404, path
    assert StrengthsAssessmentVersion.objects.count() == versions
    factor.refresh_from_db()
    node.refresh_from_db()
    assert factor.active and node.strength == "strong"


def test_objects_of_another_client_cannot_be_reached_through_dana(assessed, web):
    rosa_factor = Factor.objects.filter(client=assessed.rosa).first()
    response = web(assessed.alice).post(url(assessed.dana, f"factors/{rosa_factor.pk}/set-aside/"))
    assert response.status_code == 404
    rosa_factor.refresh_from_db()
    assert rosa_factor.active


@pytest.mark.parametrize(
    "path", ["", "strengths/", "factors/", "motivation/", "matrix/", "ecomap/", "screening/"]
)
def test_pages_of_a_client_with_nothing_recorded_show_empty_states(personas, web, path):
    response = web(personas.alice).get(url(personas.rosa, path))
    assert response.status_code == 200
