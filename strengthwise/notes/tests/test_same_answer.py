"""The goals a note is about: the one service looks each id up among the client's goals, so
the page and the API give the same answer (issue 13) — the API used to drop an unknown id
silently."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from strengthwise.notes import services
from strengthwise.notes.models import Note
from strengthwise.plans import services as plan_services

pytestmark = pytest.mark.django_db


def _goal(personas, client, statement):
    plan = plan_services.plan_start(acting_user=personas.alice, client=client)
    return plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": statement, "author": "client", "domain": "daily_living"},
    )


@pytest.fixture
def goals(personas):
    return {
        "dana": _goal(personas, personas.dana, "Move into an apartment"),
        "rosa": _goal(personas, personas.rosa, "Rosa's own goal"),
    }


@pytest.fixture
def draft(personas):
    return services.note_start(acting_user=personas.alice, client=personas.dana)


def _page_save(web, personas, draft, goal_ids):
    return web(personas.alice).post(
        reverse("notes:note", args=[personas.dana.pk, draft.pk]),
        {
            "contact_type": "phone",
            "contact_date": timezone.localdate().isoformat(),
            "format": "girp",
            "s_goal": "A home",
            "goals": goal_ids,
        },
    )


@pytest.mark.parametrize("which", ["rosa", "missing"])
def test_a_goal_that_is_not_the_clients_is_refused_alike(personas, goals, draft, web, api, which):
    wanted = goals["rosa"].pk if which == "rosa" else 99_999_999
    page = _page_save(web, personas, draft, [goals["dana"].pk, wanted])
    assert page.status_code == 400
    said = page.context["form"].errors["goals"]
    patched = api(personas.alice).patch(
        f"/api/v1/notes/{draft.pk}", {"goal_ids": [goals["dana"].pk, wanted]}
    )
    assert patched.status_code == 400, patched.json()
    assert patched.json()["errors"]["goals"] == said
    created = api(personas.alice).post(
        f"/api/v1/clients/{personas.dana.pk}/notes",
        {"sections": {"goal": "A home"}, "goal_ids": [wanted]},
    )
    assert created.status_code == 400
    assert created.json()["errors"] == {"goals": said}
    assert Note.objects.count() == 1  # the refused body left no empty draft
    assert list(Note.objects.get().goals.all()) == []


def test_the_clients_own_goals_link_from_page_and_api(personas, goals, draft, web, api):
    assert _page_save(web, personas, draft, [goals["dana"].pk]).status_code == 302
    assert [g.pk for g in Note.objects.get(pk=draft.pk).goals.all()] == [goals["dana"].pk]
    made = api(personas.alice).post(
        f"/api/v1/clients/{personas.dana.pk}/notes",
        {"sections": {"goal": "A home"}, "goal_ids": [goals["dana"].pk]},
    )
    assert made.status_code == 201, made.json()
    assert made.json()["goal_ids"] == [goals["dana"].pk]


def test_starting_a_note_for_someone_elses_goal_says_why(personas, goals, web):
    response = web(personas.alice).post(
        reverse("notes:start", args=[personas.dana.pk]), {"goal": goals["rosa"].pk}, follow=True
    )
    assert "Choose among this person" in response.content.decode()
    assert not Note.objects.exists()
    web(personas.alice).post(
        reverse("notes:start", args=[personas.dana.pk]), {"goal": goals["dana"].pk}
    )
    assert [g.pk for g in Note.objects.get().goals.all()] == [goals["dana"].pk]
