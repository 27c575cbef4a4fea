"""Keyset paging of the per-client lists (issue 13 §2, core/keyset.py): the body stays a JSON
array, the next page is in the `Link` header; walking the links gives every row once, in the
list's order; a page costs the same queries for 5 rows or 500; a cursor the list did not give
out answers 400."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from strengthwise.directory.testing import make_service
from strengthwise.notes.models import CheckIn, Note
from strengthwise.plans import services as plan_services
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Referral

pytestmark = pytest.mark.django_db

LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def _notes(personas, n, *, day=dt.date(2026, 1, 1)):
    """n signed notes on Dana, several on each day (ties broken by id), plus a draft of
    carol's that alice must not see."""
    Note.objects.bulk_create(
        Note(
            agency=personas.dana.agency,
            client=personas.dana,
            author=personas.alice,
            contact_date=day - dt.timedelta(days=i // 3),
            status=Note.Status.SIGNED,
            sections={"goal": f"note {i}"},
        )
        for i in range(n)
    )
    Note.objects.create(
        agency=personas.dana.agency,
        client=personas.dana,
        author=personas.carol,
        contact_date=day,
        sections={"goal": "carol's draft"},
    )


def _walk(client, url):
    """Every page from `url`, following `Link: <…>; rel="next"`: (ids in order, pages)."""
    ids, pages = [], 0
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert isinstance(body, list)
        ids += [row["id"] for row in body]
        pages += 1
        link = answer.headers.get("Link")
        if link is None:
            break
        match = LINK.match(link)
        assert match, link
        url = match["url"]
        assert pages < 100
    return ids, pages


def test_walking_the_notes_gives_every_visible_note_once_newest_first(personas, api):
    _notes(personas, 10)
    client = api(personas.alice)
    ids, pages = _walk(client, f"/api/v1/clients/{personas.dana.pk}/notes?limit=3")
    expected = list(
        Note.objects.filter(client=personas.dana, status=Note.Status.SIGNED)
        .order_by("-contact_date", "-id")
        .values_list("id", flat=True)
    )
    assert ids == expected and len(ids) == 10 and pages == 4
    # Without paging parameters: one page of up to 100, no Link (existing clients unchanged).
    whole = client.get(f"/api/v1/clients/{personas.dana.pk}/notes")
    assert [n["id"] for n in whole.json()] == expected and "Link" not in whole.headers


def test_the_next_link_keeps_the_other_parameters(personas, api):
    _notes(personas, 3)
    answer = api(personas.alice).get(f"/api/v1/clients/{personas.dana.pk}/notes?limit=2")
    url = LINK.match(answer.headers["Link"])["url"]
    assert url.startswith(f"/api/v1/clients/{personas.dana.pk}/notes?")
    assert "limit=2" in url and "cursor=" in url


@pytest.mark.parametrize("cursor", ["nonsense", "W10:1:abc", ""])
def test_a_cursor_the_list_did_not_give_out_answers_400(personas, api, cursor):
    _notes(personas, 3)
    client = api(personas.alice)
    first = client.get(f"/api/v1/clients/{personas.dana.pk}/notes?limit=1")
    genuine = LINK.match(first.headers["Link"])["url"].split("cursor=")[1]
    # A changed cursor (its last character swapped), or a made-up one.
    forged = cursor or genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
    answer = client.get(f"/api/v1/clients/{personas.dana.pk}/notes?cursor={forged}")
    assert answer.status_code == 400
    assert answer.json()["detail"] == "This list cannot continue from there: start again."


def test_a_cursor_from_another_list_answers_400(personas, api):
    _notes(personas, 3)
    other = make_service("Budget coaching")
    Referral.objects.bulk_create(
        Referral(
            agency=personas.dana.agency,
            client=personas.dana,
            service=other,
            organization=other.organization,
            status=workflow.DRAFT,
            created_by=personas.alice,
        )
        for _ in range(3)
    )
    client = api(personas.alice)
    notes = client.get(f"/api/v1/clients/{personas.dana.pk}/notes?limit=1")
    cursor = LINK.match(notes.headers["Link"])["url"].split("cursor=")[1]
    answer = client.get(f"/api/v1/clients/{personas.dana.pk}/referrals?cursor={cursor}")
    assert answer.status_code == 400


def test_walking_the_referrals_gives_each_once_newest_first(personas, api):
    service = make_service("Budget coaching")
    start = timezone.now()
    Referral.objects.bulk_create(
        Referral(
            agency=personas.dana.agency,
            client=personas.dana,
            service=service,
            organization=service.organization,
            status=workflow.DRAFT,
            created_by=personas.alice,
        )
        for _ in range(7)
    )
    # Some created at the same instant: the id breaks the tie.
    for i, pk in enumerate(Referral.objects.order_by("id").values_list("id", flat=True)):
        Referral.objects.filter(pk=pk).update(created_at=start - dt.timedelta(hours=i // 2))
    ids, pages = _walk(api(personas.alice), f"/api/v1/clients/{personas.dana.pk}/referrals?limit=2")
    expected = list(
        Referral.objects.filter(client=personas.dana)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    assert ids == expected and len(ids) == 7 and pages == 4


def test_walking_the_checkins_gives_each_once_oldest_first(personas, api):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Move into an apartment",
            "author": "client",
            "domain": "daily_living",
        },
    )
    CheckIn.objects.bulk_create(
        CheckIn(
            agency=personas.dana.agency,
            client=personas.dana,
            goal=goal,
            checked_on=dt.date(2026, 1, 1) + dt.timedelta(days=(5 - i) // 2),
            client_rating=i,
        )
        for i in range(6)
    )
    ids, pages = _walk(api(personas.alice), f"/api/v1/goals/{goal.pk}/checkins?limit=4")
    expected = list(
        CheckIn.objects.filter(goal=goal).order_by("checked_on", "id").values_list("id", flat=True)
    )
    assert ids == expected and len(ids) == 6 and pages == 2


# The token, the user's teams, the client, the read's audit row (savepoint,
# head, event, head, release), the page of notes, their addenda and their goals.
PINNED_NOTES = 11


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
    return len(ctx.captured_queries), answer


@pytest.mark.parametrize("rows", [5, 500])
def test_a_page_of_notes_costs_the_same_queries_for_5_or_500(personas, api, rows):
    _notes(personas, rows)
    client = api(personas.alice)
    url = f"/api/v1/clients/{personas.dana.pk}/notes"
    client.get(url)  # the token's first use is written once; not part of a page's cost
    first, answer = _queries(client, url)
    assert len(answer.json()) == min(rows, 100)
    assert first == PINNED_NOTES
    if rows > 100:
        later, _answer = _queries(client, LINK.match(answer.headers["Link"])["url"])
        assert later == PINNED_NOTES


def test_walking_the_answers_gives_each_shown_answer_once_oldest_first(personas, api):
    from strengthwise.accounts.models import Program
    from strengthwise.questionnaires import definition as qdef
    from strengthwise.questionnaires import services as q_services
    from strengthwise.questionnaires.models import QuestionnaireResponse, QuestionnaireVersion

    def published(key, purpose, program=None):
        questionnaire = q_services.questionnaire_create(
            acting_user=personas.admin,
            key=key,
            purpose=purpose,
            title_en=key,
            title_es=key,
            program_id=program.pk if program else None,
        )
        questionnaire = q_services.draft_item_save(
            acting_user=personas.admin,
            questionnaire=questionnaire,
            item=qdef.Item(link_id="a", type="string", text=qdef.Text("A?", "¿A?")),
        )
        q_services.questionnaire_publish(acting_user=personas.admin, questionnaire=questionnaire)
        return questionnaire

    elsewhere = Program.objects.create(agency=personas.dana.agency, name="Not Dana's")
    shown = [published("extra", "client_fields"), published("more", "client_fields")]
    hidden = published("other-intake", "intake", program=elsewhere)
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(
            agency=personas.dana.agency,
            client=personas.dana,
            questionnaire=q,
            version=QuestionnaireVersion.objects.get(questionnaire=q),
            answered_on=dt.date(2026, 1, 1) + dt.timedelta(days=i // 2),
            items=[],
            recorded_by=personas.alice,
        )
        for i, q in enumerate([*shown, hidden] * 3)
    )
    url = f"/api/v1/clients/{personas.dana.pk}/questionnaire-responses?limit=4"
    ids, pages = _walk(api(personas.alice), url)
    expected = list(
        QuestionnaireResponse.objects.exclude(questionnaire=hidden)
        .order_by("answered_on", "id")
        .values_list("id", flat=True)
    )
    assert ids == expected and len(ids) == 6 and pages == 2
