"""Why a client came back records whose words it is and whether exact (issue 10, item 7):
through the service, the form and the API; quoted on the pages only when exact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import ValidationFailed
from strengthwise.outcomes import services
from strengthwise.outcomes.models import Reopening
from strengthwise.people.models import Episode

CLOSURE = {
    "reason": "goals_achieved",
    "what_helped": "Someone who called back.",
    "what_helped_author": "client",
    "what_helped_verbatim": True,
    "worker_summary": "Housed.",
}


@pytest.fixture
def closed(personas):
    episode = Episode.objects.get(client=personas.dana, closed_on__isnull=True)
    closure = services.closure_start(acting_user=personas.alice, episode=episode)
    closure = services.closure_save(
        acting_user=personas.alice,
        closure=closure,
        fields={**CLOSURE, "closed_on": timezone.localdate() - dt.timedelta(days=5)},
    )
    services.closure_submit(acting_user=personas.alice, closure=closure)
    return personas


def test_reopening_reason_stores_whose_words_and_audits_them(closed):
    with pytest.raises(ValidationFailed) as error:
        services.episode_reopen(
            acting_user=closed.alice,
            client=closed.dana,
            program=closed.housing_program,
            reason="x",
            reason_author="landlord",
        )
    assert "reason_author" in error.value.field_errors
    episode = services.episode_reopen(
        acting_user=closed.alice,
        client=closed.dana,
        program=closed.housing_program,
        reason="The building was sold and we had to go",
        reason_author="client",
        reason_verbatim=True,
    )
    reopening = Reopening.objects.get(episode=episode)
    assert (reopening.reason_author, reopening.reason_verbatim) == ("client", True)
    event = AuditEvent.objects.get(action="episode.reopened", target_id=str(episode.pk))
    assert event.changes["reason_author"] == [None, "client"]
    assert event.changes["reason_verbatim"] == [None, True]


@pytest.mark.parametrize(
    ("author", "verbatim", "shown", "not_shown"),
    [
        ("client", "on", '“Lost the flat” <span class="by">— in their words</span>', None),
        (
            "worker",
            "",
            'Lost the flat <span class="by">— worker\'s words</span>',
            "“Lost the flat”",
        ),
    ],
)
def test_reopen_form_and_pages_show_whose_words(closed, web, author, verbatim, shown, not_shown):
    alice = web(closed.alice)
    url = f"/clients/{closed.dana.pk}/reopen/"
    html = alice.get(url).content.decode()
    assert 'name="reason_author"' in html and 'name="reason_verbatim"' in html
    data = {"program": str(closed.housing_program.pk), "reason": "Lost the flat"}
    data["reason_author"] = author
    if verbatim:
        data["reason_verbatim"] = verbatim
    assert alice.post(url, data).status_code == 302
    reopening = Reopening.objects.get(client=closed.dana)
    assert (reopening.reason_author, reopening.reason_verbatim) == (author, bool(verbatim))
    listing = alice.get(f"/clients/{closed.dana.pk}/closures/").content.decode()
    assert shown in listing
    if not_shown:
        assert not_shown not in listing


def test_reopen_form_refuses_an_unknown_author(closed, web):
    response = web(closed.alice).post(
        f"/clients/{closed.dana.pk}/reopen/",
        {"program": str(closed.housing_program.pk), "reason": "x", "reason_author": "landlord"},
    )
    assert response.status_code == 400 and not Reopening.objects.exists()


def test_api_reopen_takes_and_gives_whose_words(closed, api):
    client = api(closed.alice)
    bad = client.post(
        f"/api/v1/clients/{closed.dana.pk}/reopen",
        {"program_id": closed.housing_program.pk, "reason": "x", "reason_author": "landlord"},
    )
    assert bad.status_code == 422
    response = client.post(
        f"/api/v1/clients/{closed.dana.pk}/reopen",
        {
            "program_id": closed.housing_program.pk,
            "reason": "Lost the flat",
            "reason_author": "together",
            "reason_verbatim": False,
        },
    )
    assert response.status_code == 201
    assert (response.json()["reason_author"], response.json()["reason_verbatim"]) == (
        "together",
        False,
    )
    body = client.get(f"/api/v1/clients/{closed.dana.pk}/closures").json()
    assert (body["reopenings"][0]["reason_author"], body["reopenings"][0]["reason_verbatim"]) == (
        "together",
        False,
    )
