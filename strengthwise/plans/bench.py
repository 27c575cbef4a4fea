"""Benchmark scenarios for `strengthwise bench`: the plan pages of the demo client."""

from __future__ import annotations

from strengthwise.accounts.models import User
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client

from .models import Plan


def scenarios() -> list[Scenario]:
    alice = User.objects.filter(username="alice").first()
    dana = (
        Client.objects.filter(primary_worker=alice, legal_last_name="Whitfield").first()
        if alice
        else None
    )
    if alice is None or dana is None or not Plan.objects.filter(client=dana).exists():
        return []
    return [
        Scenario("plan page (goals, GAS chart, history)", f"/clients/{dana.pk}/plan/", alice),
        Scenario("take-home PDF", f"/clients/{dana.pk}/plan/take-home.pdf", alice),
        Scenario("API plans", f"/api/v1/clients/{dana.pk}/plans", alice, api=True),
    ]
