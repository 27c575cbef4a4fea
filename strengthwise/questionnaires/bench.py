"""Benchmark scenarios for `strengthwise bench`: the demo client's questionnaires."""

from __future__ import annotations

from strengthwise.accounts.models import User
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client

from .models import Questionnaire


def scenarios() -> list[Scenario]:
    alice = User.objects.filter(username="alice").first()
    dana = (
        Client.objects.filter(primary_worker=alice, legal_last_name="Whitfield").first()
        if alice
        else None
    )
    if alice is None or dana is None:
        return []
    found = [
        Scenario(
            "agency questionnaires (answers over time)",
            f"/clients/{dana.pk}/questionnaires/",
            alice,
        ),
        Scenario(
            "API questionnaire responses",
            f"/api/v1/clients/{dana.pk}/questionnaire-responses",
            alice,
            api=True,
        ),
    ]
    for q in Questionnaire.objects.filter(
        agency_id=alice.agency_id, retired=False, shipped=""
    ).order_by("key"):
        found.append(
            Scenario(
                f"fill-in form: {q.key}", f"/clients/{dana.pk}/questionnaires/{q.pk}/new/", alice
            )
        )
    return found
