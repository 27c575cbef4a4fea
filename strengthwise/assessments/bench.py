"""Benchmark scenarios for `strengthwise bench`: the assessment pages of the demo client."""

from __future__ import annotations

from strengthwise.accounts.models import User
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client


def scenarios() -> list[Scenario]:
    alice = User.objects.filter(username="alice").first()
    dana = (
        Client.objects.filter(primary_worker=alice, legal_last_name="Whitfield").first()
        if alice
        else None
    )
    if alice is None or dana is None:
        return []
    base = f"/clients/{dana.pk}/assessments"
    return [
        Scenario("strengths assessment", f"{base}/strengths/", alice),
        Scenario("strengths versions compare", f"{base}/strengths/versions/", alice),
        Scenario("motivation (charts)", f"{base}/motivation/", alice),
        Scenario("matrix (chart)", f"{base}/matrix/", alice),
        Scenario("ecomap (SVG)", f"{base}/ecomap/", alice),
        Scenario("API assessments", f"/api/v1/clients/{dana.pk}/assessments", alice, api=True),
    ]
