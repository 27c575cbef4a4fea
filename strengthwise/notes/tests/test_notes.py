"""Contact notes: drafts autosave, signing locks, addenda, search, check-ins, the language list,
access (carol and mallory 404) and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from strengthwise.core.errors import Conflict, DomainError
from strengthwise.notes import selectors, services
from strengthwise.notes.models import Addendum, CheckIn, LanguageTerm, Note
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import GasFollowUp

pytestmark = pytest.mark.django_db

GIRP = {
    "goal": "Move into an apartment",
    "intervention": "Called two landlords",
    "response": 'She was non-compliant with the form. "I refused to sign a bad lease."',
    "plan": "Viewing on Sunday",
}


@pytest.fixture
def draft(personas):
    note = services.note_start(acting_user=personas.alice, client=personas.dana)
    return services.note_save(
        acting_user=personas.alice, note=note, fields={"present": "Dana"}, sections=GIRP
    )


@pytest.fixture
def goal(personas):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    return plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Move into an apartment",
            "author": "client",
            "domain": "daily_living",
            "gas_minus2": "a",
            "gas_minus1": "b",
            "gas_zero": "c",
            "gas_plus1": "d",
            "gas_plus2": "e",
        },
    )


def test_draft_saves_and_keeps_words_across_format_changes(personas, draft):
    services.note_save(
        acting_user=personas.alice, note=draft, fields={"format": "dap"}, sections={"data": "x"}
    )
    draft.refresh_from_db()
    assert draft.sections["response"] == GIRP["response"]
    assert draft.sections["data"] == "x"
    assert [n.pk for n in selectors.search(personas.alice, "landlords")] == [draft.pk]


def test_only_the_author_writes_a_draft(personas, draft):
    with pytest.raises(DomainError):
        services.note_save(acting_user=personas.bob, note=draft, fields={}, sections={"plan": "x"})


def test_signing_locks_and_addenda_sit_beside(personas, draft, audit_events):
    signed = services.note_sign(acting_user=personas.alice, note=draft)
    assert signed.signed and signed.signed_at
    event = audit_events("note.signed")[-1]
    assert len(event.changes["sha256"][1]) == 64
    with pytest.raises(Conflict) as refused:
        services.note_save(
            acting_user=personas.alice, note=signed, fields={}, sections={"plan": "y"}
        )
    assert refused.value.status_code == 409
    with pytest.raises(Conflict):
        services.note_sign(acting_user=personas.alice, note=signed)
    services.addendum_add(acting_user=personas.alice, note=signed, text="Viewing moved to Monday.")
    signed.refresh_from_db()
    assert signed.sections["plan"] == "Viewing on Sunday"
    assert Addendum.objects.get().text == "Viewing moved to Monday."


def test_cannot_sign_an_empty_note(personas):
    note = services.note_start(acting_user=personas.alice, client=personas.dana)
    with pytest.raises(DomainError, match="Write the note"):
        services.note_sign(acting_user=personas.alice, note=note)


def test_future_date_and_nul_refused(personas, draft):
    with pytest.raises(DomainError):
        services.note_save(
            acting_user=personas.alice,
            note=draft,
            fields={"contact_date": timezone.localdate() + dt.timedelta(days=2)},
            sections={},
        )
    with pytest.raises(DomainError):
        services.note_save(
            acting_user=personas.alice, note=draft, fields={}, sections={"plan": "\x00"}
        )


def test_search_scoped_and_drafts_private(personas, draft):
    assert [n.pk for n in selectors.search(personas.alice, "landlords")] == [draft.pk]
    assert selectors.search(personas.bob, "landlords") == []  # alice's draft is hers
    services.note_sign(acting_user=personas.alice, note=draft)
    assert [n.pk for n in selectors.search(personas.bob, "LANDLORDS")] == [draft.pk]
    assert selectors.search(personas.carol, "landlords") == []
    assert selectors.search(personas.mallory, "landlords") == []


def test_language_findings_respect_quotes_and_own_words(personas, draft):
    found = selectors.note_findings(draft)
    matched = [f.matched.lower() for f in found["response"]]
    assert any("compliant" in m for m in matched)
    assert not any("refused" in m for m in matched)  # inside the client's quote
    assert LanguageTerm.objects.filter(agency=personas.river_city).count() >= 40
    services.client_terms_save(
        acting_user=personas.alice, client=personas.dana, terms="non-compliant"
    )
    again = selectors.note_findings(draft)
    assert not any("compliant" in f.matched.lower() for f in again["response"])


def test_agency_language_list_edits(personas, web):
    admin = web(personas.admin)
    page = admin.get(reverse("notes:language"))
    assert page.status_code == 200
    bad = admin.post(reverse("notes:language"), {"term": "", "alternatives": ""})
    assert bad.status_code == 400
    ok = admin.post(
        reverse("notes:language"),
        {"term": "frequent flyer", "alternatives": "person who visits often", "active": "on"},
    )
    assert ok.status_code == 302
    terms = services.language_terms(personas.river_city)
    assert "frequent flyer" in [t.term for t in terms]
    assert (
        web(personas.alice)
        .post(reverse("notes:language"), {"term": "x", "alternatives": "y"})
        .status_code
        == 404
    )
    # The other agency's list is its own.
    assert "frequent flyer" not in [t.term for t in services.language_terms(personas.eastgate)]


def test_checkin_records_gas_followups_and_chart(personas, goal, web):
    services.checkin_add(
        acting_user=personas.alice,
        goal=goal,
        fields={"client_rating": 4, "worker_rating": 3, "client_gas": -1, "confidence": 5},
    )
    assert CheckIn.objects.count() == 1
    assert GasFollowUp.objects.get().scored_by == "client"
    with pytest.raises(DomainError):
        services.checkin_add(acting_user=personas.alice, goal=goal, fields={"comment": "nothing"})
    page = web(personas.alice).get(reverse("notes:goal-progress", args=[personas.dana.pk, goal.pk]))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_pages_and_autosave(personas, draft, web):
    alice = web(personas.alice)
    dana = personas.dana
    assert alice.get(reverse("notes:list", args=[dana.pk])).status_code == 200
    page = alice.get(reverse("notes:note", args=[dana.pk, draft.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "hx-post" in html
    assert "non-compliant" in html  # the finding is listed beside the field
    data = {
        "contact_type": "phone",
        "contact_date": timezone.localdate().isoformat(),
        "format": "girp",
        "s_response": "Dana was noncompliant today",
        "s_goal": "Housing",
    }
    saved = alice.post(
        reverse("notes:autosave", args=[dana.pk, draft.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert saved.status_code == 200
    body = saved.content.decode()
    assert "Saved at" in body and "noncompliant" in body and 'hx-swap-oob="true"' in body
    draft.refresh_from_db()
    assert draft.sections["response"] == "Dana was noncompliant today"
    assert draft.sections["plan"] == GIRP["plan"]  # not sent, kept


def test_autosave_after_session_end_is_401_not_a_redirect(personas, draft, web):
    response = web().post(
        reverse("notes:autosave", args=[personas.dana.pk, draft.pk]),
        {"s_plan": "late words"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 401
    draft.refresh_from_db()
    assert draft.sections["plan"] == GIRP["plan"]


def test_sign_from_page_then_read_only(personas, draft, web):
    alice = web(personas.alice)
    dana = personas.dana
    data = {
        "contact_type": "office",
        "contact_date": timezone.localdate().isoformat(),
        "format": "girp",
        **{f"s_{k}": v for k, v in GIRP.items()},
        "sign": "1",
    }
    response = alice.post(reverse("notes:note", args=[dana.pk, draft.pk]), data)
    assert response.status_code == 302
    page = alice.get(reverse("notes:note", args=[dana.pk, draft.pk])).content.decode()
    assert 'class="client-words"' in page
    assert "hx-post" not in page
    assert (
        alice.post(
            reverse("notes:addendum", args=[dana.pk, draft.pk]), {"text": "Later: ok"}
        ).status_code
        == 302
    )
    assert Note.objects.get().addenda.count() == 1


@pytest.mark.parametrize("who", ["carol", "mallory"])
def test_outsiders_get_404(personas, draft, goal, web, api, who):
    user = getattr(personas, who)
    dana = personas.dana
    browser = web(user)
    for url in [
        reverse("notes:list", args=[dana.pk]),
        reverse("notes:note", args=[dana.pk, draft.pk]),
        reverse("notes:goal-progress", args=[dana.pk, goal.pk]),
    ]:
        assert browser.get(url).status_code == 404, url
    for url in [
        reverse("notes:start", args=[dana.pk]),
        reverse("notes:discard", args=[dana.pk, draft.pk]),
        reverse("notes:addendum", args=[dana.pk, draft.pk]),
        reverse("notes:client-terms", args=[dana.pk]),
    ]:
        assert browser.post(url, {"text": "x", "terms": "x"}).status_code == 404, url
    assert (
        browser.post(
            reverse("notes:autosave", args=[dana.pk, draft.pk]), {"s_plan": "x"}
        ).status_code
        == 404
    )
    client = api(user)
    assert client.get(f"/api/v1/clients/{dana.pk}/notes").status_code == 404
    assert client.get(f"/api/v1/notes/{draft.pk}").status_code == 404
    assert client.post(f"/api/v1/notes/{draft.pk}/sign", {}).status_code == 404
    assert client.get(f"/api/v1/goals/{goal.pk}/checkins").status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_teammate_cannot_open_someone_elses_draft(personas, draft, web):
    assert (
        web(personas.bob).get(reverse("notes:note", args=[personas.dana.pk, draft.pk])).status_code
        == 404
    )


def test_api_draft_sign_409_and_addendum(personas, api, goal):
    client = api(personas.alice)
    dana = personas.dana
    made = client.post(
        f"/api/v1/clients/{dana.pk}/notes",
        {
            "contact_type": "video",
            "sections": {"goal": "Housing", "response": "Good"},
            "goal_ids": [goal.pk],
        },
    )
    assert made.status_code == 201, made.json()
    note_id = made.json()["id"]
    assert made.json()["goal_ids"] == [goal.pk]
    assert (
        client.patch(f"/api/v1/notes/{note_id}", {"sections": {"plan": "Next week"}}).status_code
        == 200
    )
    assert client.post(f"/api/v1/notes/{note_id}/sign", {}).status_code == 200
    locked = client.patch(f"/api/v1/notes/{note_id}", {"sections": {"plan": "changed"}})
    assert locked.status_code == 409
    added = client.post(f"/api/v1/notes/{note_id}/addenda", {"text": "A correction"})
    assert added.status_code == 201 and len(added.json()["addenda"]) == 1
    flagged = client.post(
        "/api/v1/language/flag", {"text": "He was resistant.", "client_id": dana.pk}
    )
    assert flagged.status_code == 200
    finding = flagged.json()["findings"][0]
    assert "He was resistant."[finding["start"] : finding["end"]] == finding["matched"]
    checkin = client.post(f"/api/v1/goals/{goal.pk}/checkins", {"client_rating": 6})
    assert checkin.status_code == 201
    assert client.get(f"/api/v1/goals/{goal.pk}/checkins").json()[0]["client_rating"] == 6


# --- whose words a quotation is ----------------------------------------------------------------

TEACHER = 'Spoke with his teacher. She said "he is just attention seeking and manipulative".'


def _flagged(note, section="response"):
    return [(f.matched, f.quotation) for f in selectors.note_findings(note)[section]]


def test_a_quotation_marked_as_someone_elses_is_flagged_as_theirs(personas, draft):
    services.note_save(
        acting_user=personas.alice,
        note=draft,
        fields={},
        sections={"response": TEACHER},
        quotes=[
            {
                "section": "response",
                "text": "he is just attention seeking and manipulative",
                "by": "other",
                "who": "his teacher",
            }
        ],
    )
    draft.refresh_from_db()
    assert _flagged(draft) == [
        ("attention seeking", "his teacher"),
        ("manipulative", "his teacher"),
    ]


def test_in_a_collateral_note_unmarked_quotes_are_not_the_clients(personas, draft):
    services.note_save(
        acting_user=personas.alice,
        note=draft,
        fields={"contact_type": "collateral"},
        sections={"response": TEACHER + ' Dana told me later: "I refused to give up."'},
        quotes=[{"section": "response", "text": "I refused to give up.", "by": "client"}],
    )
    draft.refresh_from_db()
    # The teacher's words are flagged as a quotation; the client's own words are left alone.
    assert _flagged(draft) == [
        ("attention seeking", "someone else"),
        ("manipulative", "someone else"),
    ]


def test_unmarked_quotes_in_a_contact_with_the_client_stay_hers(personas, draft):
    assert ("refused", "") not in _flagged(draft)  # GIRP's quote, an office contact


def test_a_mark_whose_words_were_deleted_is_dropped(personas, draft):
    note = services.note_save(
        acting_user=personas.alice,
        note=draft,
        fields={},
        sections={"response": "Nothing quoted any more."},
        quotes=[{"section": "response", "text": "gone words", "by": "other", "who": "x"}],
    )
    assert note.quotes == []


@pytest.mark.parametrize(
    "bad",
    [
        "not a list",
        [{"section": "response", "text": "x", "by": "the cat"}],
        [{"section": "astrology", "text": "x", "by": "client"}],
        [{"section": "response", "text": "", "by": "client"}],
        [{"section": "response", "text": "x", "by": "other", "who": "w" * 121}],
    ],
)
def test_bad_quote_marks_are_refused_and_change_nothing(personas, draft, bad):
    from strengthwise.core.errors import ValidationFailed

    before = (draft.sections, draft.quotes, draft.version)
    with pytest.raises(ValidationFailed):
        services.note_save(
            acting_user=personas.alice,
            note=draft,
            fields={},
            sections={"response": "changed"},
            quotes=bad,
        )
    draft.refresh_from_db()
    assert (draft.sections, draft.quotes, draft.version) == before


def test_page_and_api_record_whose_words(personas, draft, web, api):
    import json

    alice = web(personas.alice)
    dana = personas.dana
    data = {
        "contact_type": "collateral",
        "contact_date": timezone.localdate().isoformat(),
        "format": "girp",
        "s_response": TEACHER,
        "quotes": json.dumps(
            [
                {
                    "section": "response",
                    "text": "he is just attention seeking and manipulative",
                    "by": "other",
                    "who": "his teacher",
                }
            ]
        ),
    }
    saved = alice.post(
        reverse("notes:autosave", args=[dana.pk, draft.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert saved.status_code == 200
    assert "in a quotation from his teacher" in saved.content.decode()
    bad = alice.post(
        reverse("notes:autosave", args=[dana.pk, draft.pk]),
        {**data, "quotes": "{not json"},
        HTTP_HX_REQUEST="true",
    )
    # The autosave answers in place (200) with the reason; nothing is saved.
    assert "Not saved" in bad.content.decode() and "could not be read" in bad.content.decode()
    draft.refresh_from_db()
    assert draft.quotes[0]["who"] == "his teacher"
    patched = api(personas.alice).patch(
        f"/api/v1/notes/{draft.pk}",
        {"quotes": [{"section": "response", "text": "manipulative", "by": "the cat"}]},
    )
    assert patched.status_code in (400, 422)
    draft.refresh_from_db()
    assert draft.quotes[0]["who"] == "his teacher"
    ok = api(personas.alice).patch(f"/api/v1/notes/{draft.pk}", {"quotes": []})
    assert ok.status_code == 200 and ok.json()["quotes"] == []


# --- a check-in's words: whose, and whether exact -------------------------------------------------


def test_checkin_comment_records_whose_words_page_and_api(personas, goal, web, api):
    from strengthwise.core.errors import ValidationFailed

    exact = services.checkin_add(
        acting_user=personas.alice,
        goal=goal,
        fields={
            "client_rating": 6,
            "comment": "I signed the lease!",
            "comment_author": "client",
            "comment_verbatim": True,
        },
    )
    services.checkin_add(
        acting_user=personas.alice,
        goal=goal,
        fields={"worker_rating": 5, "comment": "She seemed tired", "comment_author": "worker"},
    )
    assert (exact.comment_author, exact.comment_verbatim) == ("client", True)
    with pytest.raises(ValidationFailed):
        services.checkin_add(
            acting_user=personas.alice,
            goal=goal,
            fields={"client_rating": 1, "comment": "x", "comment_author": "the cat"},
        )
    html = (
        web(personas.alice)
        .get(reverse("notes:goal-progress", args=[personas.dana.pk, goal.pk]))
        .content.decode()
    )
    assert "“I signed the lease!”" in html  # exact words: quoted, with a byline
    import re

    assert re.search(r'She seemed tired\s*<span class="by">', html)  # a byline, no quotes
    assert "“She seemed tired”" not in html
    client = api(personas.alice)
    made = client.post(
        f"/api/v1/goals/{goal.pk}/checkins",
        {"client_rating": 7, "comment": "Keys on Friday", "comment_verbatim": True},
    )
    assert made.status_code == 201, made.json()
    assert made.json()["comment_author"] == "client" and made.json()["comment_verbatim"] is True
    bad = client.post(
        f"/api/v1/goals/{goal.pk}/checkins",
        {"client_rating": 7, "comment": "x", "comment_author": "nobody"},
    )
    assert bad.status_code in (400, 422)
    listed = client.get(f"/api/v1/goals/{goal.pk}/checkins").json()
    assert [c["comment_author"] for c in listed] == ["client", "worker", "client"]


def test_a_stale_version_is_refused_never_silently_overwritten(personas, api):
    """Issue 12 item 6: PATCH /api/v1/notes/{id} ignored `version` (49 silent overwrites in
    50 same-version PATCHes). A PATCH carrying an old version now answers 409."""
    client = api(personas.alice)
    made = client.post(
        f"/api/v1/clients/{personas.dana.pk}/notes", {"sections": {"goal": "Housing"}}
    )
    note_id, version = made.json()["id"], made.json()["version"]
    first = client.patch(
        f"/api/v1/notes/{note_id}", {"sections": {"plan": "first"}, "version": version}
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/v1/notes/{note_id}", {"sections": {"plan": "second"}, "version": version}
    )
    assert second.status_code == 409
    assert Note.objects.get(pk=note_id).sections["plan"] == "first"
    assert (
        client.patch(
            f"/api/v1/notes/{note_id}",
            {"sections": {"plan": "third"}, "version": first.json()["version"]},
        ).status_code
        == 200
    )
