"""Benchmark scenarios for `strengthwise bench`: the reports."""

from __future__ import annotations

from strengthwise.accounts.models import User
from strengthwise.people.bench import Scenario


def scenarios() -> list[Scenario]:
    priya = User.objects.filter(username="priya").first()
    alice = User.objects.filter(username="alice").first()
    bob = User.objects.filter(username="bob").first()
    found = []
    if priya is not None:
        found += [
            Scenario("reports (agency, de-identified)", "/reports/", priya),
            Scenario("advocacy report", "/reports/advocacy/", priya),
            Scenario("reports XLSX (agency)", "/reports/export.xlsx", priya),
            Scenario("API reports/all", "/api/v1/reports/all", priya, api=True),
        ]
    if bob is not None:
        found.append(Scenario("reports (a supervisor's two teams)", "/reports/", bob))
    if alice is not None:
        found.append(Scenario("reports (a worker's caseload)", "/reports/", alice))
    return found
