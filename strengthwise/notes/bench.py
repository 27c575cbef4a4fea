"""Benchmark scenarios for `strengthwise bench`: notes, the day and the team view."""

from __future__ import annotations

from strengthwise.accounts.models import User
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client

from .models import Note


def scenarios() -> list[Scenario]:
    alice = User.objects.filter(username="alice").first()
    bob = User.objects.filter(username="bob").first()
    if alice is None:
        return []
    found = [
        Scenario("today (derived tasks, who needs attention)", "/today/", alice),
        Scenario("notes search", "/notes/search/?q=apartment", alice),
        Scenario("API tasks", "/api/v1/tasks", alice, api=True),
    ]
    if bob is not None:
        found.append(Scenario("team view (what is working)", "/team/", bob))
    dana = Client.objects.filter(primary_worker=alice, legal_last_name="Whitfield").first()
    draft = Note.objects.filter(client=dana, author=alice, status="draft").first() if dana else None
    if dana is not None:
        found.append(Scenario("client's notes", f"/clients/{dana.pk}/notes/", alice))
    if dana is not None and draft is not None:
        found.append(
            Scenario(
                "a draft with language suggestions", f"/clients/{dana.pk}/notes/{draft.pk}/", alice
            )
        )
    return found
