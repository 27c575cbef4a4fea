"""Benchmark scenarios for `strengthwise bench`: the pages and calls a case worker uses daily."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strengthwise.accounts.models import User

from .models import Client


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    user: Any
    api: bool = False


def scenarios() -> list[Scenario]:
    alice = User.objects.filter(username="alice").first()
    if alice is None:
        return []
    dana = Client.objects.filter(primary_worker=alice, legal_last_name="Whitfield").first() or (
        Client.objects.filter(primary_worker=alice).first()
    )
    if dana is None:
        return []
    return [
        Scenario("caseload page", "/clients/", alice),
        Scenario("team caseload page", "/clients/?scope=team", alice),
        Scenario("face sheet", f"/clients/{dana.pk}/", alice),
        Scenario("search page, typo", "/clients/search/?q=witfield", alice),
        Scenario("search, common surname", "/clients/search/?q=garcia", alice),
        Scenario("search by birth date", "/clients/search/?q=1992-04-17", alice),
        Scenario("API client list", "/api/v1/clients", alice, api=True),
        Scenario("API search, typo", "/api/v1/clients?q=witfield", alice, api=True),
        Scenario("API client record", f"/api/v1/clients/{dana.pk}", alice, api=True),
    ]
