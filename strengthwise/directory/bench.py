"""Benchmark scenarios for `strengthwise bench`: find help (words, filters, near a client's home)
and the referral pages of the demo client."""

from __future__ import annotations

from strengthwise.accounts.models import User
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal

from .models import Service


def scenarios() -> list[Scenario]:
    alice = User.objects.filter(username="alice").first()
    if alice is None or not Service.objects.exists():
        return []
    found = [
        Scenario("find help: words", "/directory/?q=budget", alice),
        Scenario(
            "find help: open now, Spanish, capacity",
            "/directory/?open_now=on&language=es&capacity=capacity",
            alice,
        ),
        Scenario("API directory search", "/api/v1/directory/services?q=food", alice, api=True),
    ]
    dana = Client.objects.filter(primary_worker=alice, legal_last_name="Whitfield").first()
    if dana is not None:
        goal = Goal.objects.filter(client=dana).order_by("id").first()
        query = f"?goal={goal.pk}" if goal else ""
        found += [
            Scenario(
                "find help for a goal (near home, ranked)",
                f"/clients/{dana.pk}/find-help/{query}",
                alice,
            ),
            Scenario("consent and referrals page", f"/clients/{dana.pk}/referrals/", alice),
            Scenario(
                "API client referrals", f"/api/v1/clients/{dana.pk}/referrals", alice, api=True
            ),
        ]
    return found
