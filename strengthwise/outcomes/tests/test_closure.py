"""Closing an episode with the client: draft, submit, approval or return, referrals still open,
final GAS scores, coming back as a new episode; access and audit for every page and route."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from strengthwise.assessments import demo as assessments_demo
from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.directory.testing import make_service
from strengthwise.outcomes import selectors, services
from strengthwise.outcomes.models import Closure, ClosureEvent, Reopening
from strengthwise.people.models import Episode
from strengthwise.plans import demo as plans_demo
from strengthwise.plans.models import GasFollowUp
from strengthwise.referrals import services as referral_services
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Consent

TODAY = timezone.localdate

COMPLETE = {
    "reason": "goals_achieved",
    "what_helped": "Someone who called back when she said she would.",
    "what_helped_author": "client",
    "what_helped_verbatim": True,
    "worker_summary": "Housed; rent on time.",
}


# Until `api.add_router("/v1/", "strengthwise.outcomes.api.router")` is in strengthwise/api.py,
# the tests serve the project's URLs with an API that also mounts this router (same auth and
# error handlers). Once the line is there, this fixture does nothing.
urlpatterns: list = []


@pytest.fixture(autouse=True)
def outcomes_api_mounted(settings):
    global urlpatterns
    try:
        resolve("/api/v1/closures/1/review")
        return
    except Resolver404:
        pass
    from django.urls import path
    from ninja import NinjaAPI

    from strengthwise import api as project_api
    from strengthwise import urls as project_urls
    from strengthwise.outcomes import api as outcomes_api

    main = project_api.api
    api = NinjaAPI(
        title="Strengthwise API (tests)", auth=project_api.BearerAuth(), urls_namespace="api"
    )
    for exc, handler in main._exception_handlers.items():
        api.add_exception_handler(exc, handler)
    for prefix, router, *_ in main._router_registrations:
        api.add_router(prefix, router)
    api.add_router("/v1/", outcomes_api.router)
    urlpatterns = [
        *(p for p in project_urls.urlpatterns if str(p.pattern) != "api/"),
        path("api/", api.urls),
    ]
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def planned(personas):
    """Dana's demo plan (as strengthwise/plans/tests/conftest.py): goals with GAS levels."""
    assessments_demo.load()
    plans_demo.load()
    return personas


def episode_of(client):
    return Episode.objects.get(client=client, closed_on__isnull=True)


def draft(user, client, **fields):
    closure = services.closure_start(acting_user=user, episode=episode_of(client))
    return services.closure_save(
        acting_user=user, closure=closure, fields={**COMPLETE, "closed_on": TODAY(), **fields}
    )


def needs_approval(program, value=True):
    program.requires_closure_approval = value
    program.save()


def open_referral(personas, status=workflow.REQUESTED):
    service = make_service("Money Basics evening workshop", org_name="Credit Union Foundation")
    referral_services.consent_record(
        acting_user=personas.alice,
        client=personas.dana,
        fields={
            "information": ["contact", "goals"],
            "organization": service.organization,
            "purpose": "referral",
            "valid_from": TODAY() - dt.timedelta(days=1),
            "valid_until": TODAY() + dt.timedelta(days=365),
            "method": Consent.Method.E_SIGNATURE,
            "signed_name": "Dana Whitfield",
            "right_to_revoke_explained": True,
        },
    )
    referral = referral_services.referral_create(
        acting_user=personas.alice,
        client=personas.dana,
        service=service,
        information=["contact", "goals"],
    )
    if status == workflow.ACCEPTED:
        referral_services.referral_transition(
            referral=referral, status=status, side=workflow.RECEIVER, partner_label="Partner"
        )
    referral.refresh_from_db()
    return referral


def close_page(client, episode, suffix=""):
    return f"/clients/{client.pk}/episodes/{episode.pk}/close/{suffix}"


# --- draft, submit, approve -----------------------------------------------------------------


def test_draft_submit_approve_closes_the_episode_not_the_person(personas, audit_events):
    needs_approval(personas.housing_program)
    episode = episode_of(personas.dana)
    closure = draft(personas.alice, personas.dana, closed_on=TODAY() - dt.timedelta(days=1))
    assert closure.status == Closure.Status.DRAFT

    closure = services.closure_submit(acting_user=personas.alice, closure=closure)
    assert closure.status == Closure.Status.AWAITING_APPROVAL
    episode.refresh_from_db()
    assert episode.closed_on is None  # still open while it waits

    closure = services.closure_review(acting_user=personas.bob, closure=closure, approve=True)
    assert closure.status == Closure.Status.CLOSED
    assert (closure.closed_by, closure.reviewed_by) == (personas.bob, personas.bob)
    episode.refresh_from_db()
    assert episode.closed_on == TODAY() - dt.timedelta(days=1)
    assert episode.close_reason == "goals achieved"
    personas.dana.refresh_from_db()  # the person is still there, with their record
    assert [e.kind for e in selectors.closure_history(closure=closure)] == [
        "submitted",
        "approved",
        "closed",
    ]
    for action in (
        "closure.started",
        "closure.saved",
        "closure.submitted",
        "closure.approved",
        "closure.closed",
    ):
        assert audit_events(action, client_id=personas.dana.pk), action
    assert audit_events("episode.closed", target_id=str(episode.pk))


def test_the_whole_flow_through_the_pages(personas, web):
    needs_approval(personas.housing_program)
    episode = episode_of(personas.dana)
    alice, bob = web(personas.alice), web(personas.bob)
    url = close_page(personas.dana, episode)
    page = alice.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("What helped, in their words") < body.index("Why the episode ends")

    answer = alice.post(
        url, {**COMPLETE, "closed_on": TODAY().isoformat(), "action": "submit", "version": ""}
    )
    assert answer.status_code == 302
    closure = Closure.objects.get(episode=episode)
    assert closure.status == Closure.Status.AWAITING_APPROVAL

    waiting = bob.get("/closures/waiting/")
    assert "Dana Whitfield" in waiting.content.decode()
    assert "Dana Whitfield" not in alice.get("/closures/waiting/").content.decode()

    assert bob.get(close_page(personas.dana, episode, "review/")).status_code == 200
    answer = bob.post(close_page(personas.dana, episode, "review/"), {"decision": "approve"})
    assert answer.status_code == 302
    episode.refresh_from_db()
    assert episode.closed_on == TODAY()
    done = alice.get(url).content.decode()
    assert "Someone who called back" in done and "Save the draft" not in done


def test_returned_needs_a_comment_and_goes_back_to_the_worker(personas, audit_events):
    needs_approval(personas.housing_program)
    closure = services.closure_submit(
        acting_user=personas.alice, closure=draft(personas.alice, personas.dana)
    )
    with pytest.raises(ValidationFailed) as refused:
        services.closure_review(
            acting_user=personas.bob, closure=closure, approve=False, comment="  "
        )
    assert "comment" in refused.value.field_errors
    closure = services.closure_review(
        acting_user=personas.bob,
        closure=closure,
        approve=False,
        comment="Ask Dana about the referral to legal aid first.",
    )
    assert closure.status == Closure.Status.RETURNED
    assert closure.supervisor_comment.startswith("Ask Dana")
    assert episode_of(personas.dana)  # still open
    returned = ClosureEvent.objects.get(closure=closure, kind="returned")
    assert returned.comment.startswith("Ask Dana") and returned.by == personas.bob
    assert audit_events("closure.returned", client_id=personas.dana.pk)

    # Back with the worker: editable again, and sent again.
    closure = services.closure_save(
        acting_user=personas.alice, closure=closure, fields={"worker_summary": "Legal aid asked."}
    )
    closure = services.closure_submit(acting_user=personas.alice, closure=closure)
    assert closure.status == Closure.Status.AWAITING_APPROVAL


def test_the_page_refuses_a_return_without_a_comment(personas, web):
    needs_approval(personas.housing_program)
    services.closure_submit(
        acting_user=personas.alice, closure=draft(personas.alice, personas.dana)
    )
    episode = episode_of(personas.dana)
    answer = web(personas.bob).post(
        close_page(personas.dana, episode, "review/"), {"decision": "return", "comment": ""}
    )
    assert answer.status_code == 400
    assert "Say what to change" in answer.content.decode()
    assert Closure.objects.get(episode=episode).status == Closure.Status.AWAITING_APPROVAL


def test_a_program_without_approval_closes_at_once(personas, audit_events):
    assert personas.housing_program.requires_closure_approval is False
    closure = services.closure_submit(
        acting_user=personas.alice, closure=draft(personas.alice, personas.dana)
    )
    assert closure.status == Closure.Status.CLOSED
    assert closure.closed_by == personas.alice and closure.reviewed_by is None
    assert not Episode.objects.filter(client=personas.dana, closed_on__isnull=True).exists()
    assert [e.kind for e in selectors.closure_history(closure=closure)] == ["closed"]
    assert audit_events("closure.closed", client_id=personas.dana.pk)
    assert not audit_events("closure.submitted")


def test_an_incomplete_closure_is_not_sent(personas):
    closure = services.closure_start(acting_user=personas.alice, episode=episode_of(personas.dana))
    with pytest.raises(ValidationFailed) as refused:
        services.closure_submit(acting_user=personas.alice, closure=closure)
    assert {"reason", "what_helped"} <= set(refused.value.field_errors)
    with pytest.raises(ValidationFailed) as other:
        services.closure_save(
            acting_user=personas.alice, closure=closure, fields={"reason": "other"}
        )
    assert "reason_other" in other.value.field_errors
    # No contact: nobody to ask what helped, so it may stay empty.
    closure = services.closure_save(
        acting_user=personas.alice, closure=closure, fields={"reason": "no_contact"}
    )
    assert services.closure_submit(acting_user=personas.alice, closure=closure).status == "closed"
    assert episode_of_closed(personas.dana).close_reason == "no contact"


def episode_of_closed(client):
    return Episode.objects.filter(client=client, closed_on__isnull=False).order_by("-id").first()


def test_a_closed_episode_cannot_be_closed_again(personas):
    closure = services.closure_submit(
        acting_user=personas.alice, closure=draft(personas.alice, personas.dana)
    )
    with pytest.raises(DomainError):
        services.closure_save(
            acting_user=personas.alice, closure=closure, fields={"what_helped": "changed"}
        )
    with pytest.raises(DomainError):
        services.closure_submit(acting_user=personas.alice, closure=closure)
    with pytest.raises(DomainError):
        services.closure_start(acting_user=personas.alice, episode=closure.episode)


def test_two_people_saving_the_same_draft_get_a_conflict(personas, web):
    closure = draft(personas.alice, personas.dana)
    read = closure.version
    services.closure_save(
        acting_user=personas.bob,
        closure=closure,
        fields={"worker_summary": "Bob's summary"},
        version=read,
    )
    with pytest.raises(Conflict):
        services.closure_save(
            acting_user=personas.alice,
            closure=closure,
            fields={"worker_summary": "Alice's summary"},
            version=read,
        )
    answer = web(personas.alice).post(
        close_page(personas.dana, closure.episode),
        {**COMPLETE, "worker_summary": "Alice's", "version": "1", "action": "save"},
    )
    assert answer.status_code == 409
    closure.refresh_from_db()
    assert closure.worker_summary == "Bob's summary"


# --- referrals still open -------------------------------------------------------------------


def test_open_referrals_refuse_closing_unless_ticked(personas, web, audit_events):
    referral = open_referral(personas, workflow.ACCEPTED)
    closure = draft(personas.alice, personas.dana)
    with pytest.raises(DomainError) as refused:
        services.closure_submit(acting_user=personas.alice, closure=closure)
    assert "close_anyway" in refused.value.field_errors
    assert episode_of(personas.dana)

    # The page shows the referral and the refusal, and changes nothing.
    episode = closure.episode
    page = web(personas.alice).post(
        close_page(personas.dana, episode),
        {**COMPLETE, "closed_on": TODAY().isoformat(), "action": "submit"},
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert "Money Basics evening workshop" in body and "still open" in body

    answer = web(personas.alice).post(
        close_page(personas.dana, episode),
        {**COMPLETE, "closed_on": TODAY().isoformat(), "action": "submit", "close_anyway": "on"},
    )
    assert answer.status_code == 302
    closure.refresh_from_db()
    assert closure.status == Closure.Status.CLOSED and closure.close_anyway
    assert [r["id"] for r in closure.open_referrals_at_close] == [referral.pk]
    event = audit_events("closure.closed", client_id=personas.dana.pk)[-1]
    assert event.changes["open_referrals"] == [None, [referral.pk]]
    assert event.changes["close_anyway"] == [None, True]
    referral.refresh_from_db()
    assert referral.status == workflow.ACCEPTED  # it stays open with the organisation


def test_finished_referrals_do_not_block_and_are_summarised(personas):
    referral = open_referral(personas)
    referral_services.referral_transition(
        referral=referral,
        status=workflow.REJECTED,
        side=workflow.RECEIVER,
        reason="No capacity",
        partner_label="Partner",
    )
    summary = selectors.referral_summary(client=personas.dana)
    assert [(r.pk, r.still_open) for r in summary] == [(referral.pk, False)]
    closure = services.closure_submit(
        acting_user=personas.alice, closure=draft(personas.alice, personas.dana)
    )
    assert closure.status == Closure.Status.CLOSED


def test_a_referral_sent_while_waiting_for_approval_is_checked_again(personas):
    needs_approval(personas.housing_program)
    closure = services.closure_submit(
        acting_user=personas.alice, closure=draft(personas.alice, personas.dana)
    )
    open_referral(personas)
    with pytest.raises(DomainError):
        services.closure_review(acting_user=personas.bob, closure=closure, approve=True)
    closure.refresh_from_db()
    assert closure.status == Closure.Status.AWAITING_APPROVAL
    assert closure.reviewed_by is None  # nothing half-written


# --- final GAS and the exit matrix ----------------------------------------------------------


def test_final_gas_is_recorded_as_follow_ups_dated_the_closing_day(planned, web, audit_events):
    p = planned
    episode = episode_of(p.dana)
    closing_day = TODAY() - dt.timedelta(days=2)
    closure = draft(p.alice, p.dana, closed_on=closing_day)
    goals = selectors.final_gas_goals(episode=episode)
    assert goals, "Dana's demo plan has goals with all five levels"
    page = web(p.alice).get(close_page(p.dana, episode))
    assert goals[0].statement in page.content.decode()

    data = {}
    for goal in goals:
        data[f"client_{goal.pk}"] = "1"
        data[f"worker_{goal.pk}"] = "0"
    answer = web(p.alice).post(close_page(p.dana, episode, "gas/"), data)
    assert answer.status_code == 302
    for goal in goals:
        finals = GasFollowUp.objects.filter(goal=goal, scored_on=closing_day).order_by("id")
        assert {(f.scored_by, f.level) for f in finals} >= {("client", 1), ("worker", 0)}
    closure.refresh_from_db()
    assert set(closure.final_gas) == {str(g.pk) for g in goals}
    assert audit_events("closure.final_gas", client_id=p.dana.pk)
    assert len(audit_events("gas.followup", client_id=p.dana.pk)) >= 2 * len(goals)

    bad = web(p.alice).post(close_page(p.dana, episode, "gas/"), {f"client_{goals[0].pk}": "7"})
    assert bad.status_code == 400
    empty = web(p.alice).post(close_page(p.dana, episode, "gas/"), {})
    assert empty.status_code == 400


def test_final_gas_refuses_goals_of_another_episode(planned):
    p = planned
    closure = draft(p.alice, p.dana)
    with pytest.raises(ValidationFailed):
        services.closure_gas_record(
            acting_user=p.alice, closure=closure, levels={999999: {"client": 1}}
        )


def test_the_page_links_the_exit_matrix(personas, web):
    body = web(personas.alice).get(close_page(personas.dana, episode_of(personas.dana)))
    link = reverse("assessments:ssm-new", kwargs={"client_id": personas.dana.pk})
    assert link in body.content.decode()


# --- coming back ----------------------------------------------------------------------------


def test_reopen_starts_a_new_episode_with_the_old_closure_in_view(
    personas, web, settings, audit_events
):
    old = services.closure_submit(
        acting_user=personas.alice,
        closure=draft(personas.alice, personas.dana, closed_on=TODAY() - dt.timedelta(days=5)),
    )
    old_episode = old.episode
    alice = web(personas.alice)
    page = alice.get(f"/clients/{personas.dana.pk}/reopen/")
    assert page.status_code == 200 and "Someone who called back" in page.content.decode()

    answer = alice.post(
        f"/clients/{personas.dana.pk}/reopen/",
        {
            "program": str(personas.housing_program.pk),
            "reason": "Lost the apartment when the building was sold.",
            "opened_on": TODAY().isoformat(),
        },
    )
    assert answer.status_code == 302
    new = episode_of(personas.dana)
    assert new.pk != old_episode.pk
    old_episode.refresh_from_db()
    assert old_episode.closed_on == TODAY() - dt.timedelta(days=5)  # never reopened
    reopening = Reopening.objects.get(episode=new)
    assert (reopening.previous_episode, reopening.previous_closure) == (old_episode, old)
    assert ClosureEvent.objects.filter(closure=old, kind="reopened", new_episode=new).exists()
    assert audit_events("episode.reopened", target_id=str(new.pk))
    assert audit_events("episode.opened", target_id=str(new.pk))

    # The new episode's page shows the previous closure: why it ended and what helped.
    body = alice.get(close_page(personas.dana, new)).content.decode()
    assert "Last time" in body and "Someone who called back" in body
    assert "Lost the apartment" in body
    listing = alice.get(f"/clients/{personas.dana.pk}/closures/").content.decode()
    assert "Lost the apartment" in listing and "Someone who called back" in listing

    # And so does the face sheet, once the provider is listed in settings.
    settings.STRENGTHWISE_FACE_SHEET_PROVIDERS = [
        *settings.STRENGTHWISE_FACE_SHEET_PROVIDERS,
        "strengthwise.outcomes.selectors.face_sheet_sections",
    ]
    face = alice.get(f"/clients/{personas.dana.pk}/").content.decode()
    assert "What helped last time" in face and "Someone who called back" in face


def test_reopen_is_refused_while_an_episode_is_open_or_with_nothing_to_come_back_from(
    personas, web
):
    with pytest.raises(DomainError):
        services.episode_reopen(
            acting_user=personas.alice,
            client=personas.rosa,
            program=personas.housing_program,
            reason="Back",
        )
    # Rosa's housing episode is open: a second one in the same program is refused.
    answer = web(personas.alice).post(
        f"/clients/{personas.rosa.pk}/reopen/",
        {"program": str(personas.housing_program.pk), "reason": "Back"},
    )
    assert answer.status_code == 400
    assert Episode.objects.filter(client=personas.rosa).count() == 1


def test_reopen_after_an_episode_closed_before_closures_existed(personas):
    # The old duplicate record has a 2021 episode closed without a closure.
    dup = personas.dana_duplicate
    new = services.episode_reopen(
        acting_user=personas.alice,
        client=dup,
        program=personas.housing_program,
        reason="Came back.",
    )
    reopening = Reopening.objects.get(episode=new)
    assert reopening.previous_closure is None and reopening.previous_episode.closed_on


# --- who may approve ------------------------------------------------------------------------


def test_only_a_supervisor_of_the_clients_team_approves(personas, web, api):
    needs_approval(personas.housing_program)
    needs_approval(personas.family_program)
    closure = services.closure_submit(
        acting_user=personas.alice, closure=draft(personas.alice, personas.dana)
    )
    # alice can see Dana but is not a supervisor: refused (403), nothing changes.
    with pytest.raises(services.NotAllowed):
        services.closure_review(acting_user=personas.alice, closure=closure, approve=True)
    episode = closure.episode
    assert web(personas.alice).get(close_page(personas.dana, episode, "review/")).status_code == 403
    assert (
        web(personas.alice)
        .post(close_page(personas.dana, episode, "review/"), {"decision": "approve"})
        .status_code
        == 403
    )
    assert (
        api(personas.alice)
        .post(f"/api/v1/closures/{closure.pk}/review", {"approve": True})
        .status_code
        == 403
    )
    # carol cannot even see Dana's closure.
    assert (
        api(personas.carol)
        .post(f"/api/v1/closures/{closure.pk}/review", {"approve": True})
        .status_code
        == 404
    )
    # carol's own client (family program): carol may send it, but not approve it.
    keisha = services.closure_submit(
        acting_user=personas.carol, closure=draft(personas.carol, personas.carol_client)
    )
    with pytest.raises(services.NotAllowed):
        services.closure_review(acting_user=personas.carol, closure=keisha, approve=True)
    closure.refresh_from_db()
    assert closure.status == keisha.status == Closure.Status.AWAITING_APPROVAL
    # bob supervises both teams.
    services.closure_review(acting_user=personas.bob, closure=keisha, approve=True)
    services.closure_review(acting_user=personas.bob, closure=closure, approve=True)
    assert Closure.objects.filter(status="closed").count() == 2


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["carol", "mallory"])
def test_others_get_404_on_every_page_and_route_and_change_nothing(personas, web, api, who):
    needs_approval(personas.housing_program)
    closure = services.closure_submit(
        acting_user=personas.alice, closure=draft(personas.alice, personas.dana)
    )
    episode = closure.episode
    user = getattr(personas, who)
    browser, client_api = web(user), api(user)
    dana = personas.dana
    for path in (
        f"/clients/{dana.pk}/closures/",
        close_page(dana, episode),
        close_page(dana, episode, "review/"),
        f"/clients/{dana.pk}/reopen/",
    ):
        assert browser.get(path).status_code == 404, path
    for path, data in (
        (close_page(dana, episode), {**COMPLETE, "action": "save"}),
        (close_page(dana, episode, "gas/"), {}),
        (close_page(dana, episode, "review/"), {"decision": "approve"}),
        (f"/clients/{dana.pk}/reopen/", {"program": "1", "reason": "x"}),
    ):
        assert browser.post(path, data).status_code == 404, path
    assert client_api.get(f"/api/v1/clients/{dana.pk}/closures").status_code == 404
    for path, data in (
        (f"/api/v1/episodes/{episode.pk}/closure", {"what_helped": "x"}),
        (f"/api/v1/episodes/{episode.pk}/closure/submit", {}),
        (f"/api/v1/closures/{closure.pk}/review", {"approve": True}),
        (
            f"/api/v1/clients/{dana.pk}/reopen",
            {"program_id": personas.housing_program.pk, "reason": "x"},
        ),
    ):
        assert client_api.post(path, data).status_code == 404, path
    assert "Dana" not in browser.get("/closures/waiting/").content.decode()
    closure.refresh_from_db()
    assert closure.status == Closure.Status.AWAITING_APPROVAL
    assert AuditEvent.objects.filter(action="access.refused", actor_id=user.pk).exists()


def test_staff_without_casework_get_404(personas, web):
    episode = episode_of(personas.dana)
    for user in (personas.priya, personas.admin):
        assert web(user).get(close_page(personas.dana, episode)).status_code == 404


def test_an_episode_of_another_client_in_the_url_is_404(personas, web):
    rosa_episode = episode_of(personas.rosa)
    answer = web(personas.alice).get(close_page(personas.dana, rosa_episode))
    assert answer.status_code == 404


# --- bad input ------------------------------------------------------------------------------


def test_bad_input_on_the_pages_gives_form_errors_not_500(personas, web):
    episode = episode_of(personas.dana)
    alice = web(personas.alice)
    url = close_page(personas.dana, episode)
    cases = [
        {**COMPLETE, "reason": "bored", "action": "save"},
        {**COMPLETE, "closed_on": (TODAY() + dt.timedelta(days=3)).isoformat(), "action": "save"},
        {**COMPLETE, "closed_on": "2001-01-01", "action": "save"},
        {**COMPLETE, "closed_on": "not a date", "action": "save"},
        {**COMPLETE, "what_helped": "x" * 2001, "action": "save"},
        {**COMPLETE, "what_helped": "nul\x00", "action": "save"},
        {**COMPLETE, "action": "explode"},
        {"reason": "", "action": "submit"},
    ]
    for data in cases:
        answer = alice.post(url, data)
        assert answer.status_code == 400, data
    assert not Episode.objects.filter(pk=episode.pk, closed_on__isnull=False).exists()
    reopen = alice.post(
        f"/clients/{personas.dana.pk}/reopen/", {"program": "999999", "reason": "x"}
    )
    assert reopen.status_code == 400
    # The failed "submit" left a draft; alice is no supervisor: the review page refuses her.
    assert alice.get(close_page(personas.dana, episode, "review/")).status_code == 403
    assert (
        alice.get(close_page(personas.rosa, episode_of(personas.rosa), "review/")).status_code
        == 404
    )
    assert alice.get("/clients/999999/episodes/1/close/").status_code == 404


def test_bad_input_through_the_api_gives_4xx(personas, api):
    episode = episode_of(personas.dana)
    alice = api(personas.alice)
    base = f"/api/v1/episodes/{episode.pk}/closure"
    assert alice.post(base, {"reason": "bored"}).status_code == 422
    assert alice.post(base, {"closed_on": "yesterday"}).status_code == 422
    assert alice.post(base, {"what_helped": "x" * 2001}).status_code == 422
    future = (TODAY() + dt.timedelta(days=1)).isoformat()
    assert alice.post(base, {"closed_on": future}).status_code == 400
    assert alice.post(base, {"what_helped": "nul\x00"}).status_code == 400
    assert alice.post(f"{base}/submit", {}).status_code == 400  # incomplete
    assert alice.post("/api/v1/episodes/abc/closure", {}).status_code == 404
    assert alice.post("/api/v1/closures/999999/review", {"approve": True}).status_code == 404
    reopen = f"/api/v1/clients/{personas.dana.pk}/reopen"
    assert alice.post(reopen, {"program_id": 999999, "reason": "x"}).status_code == 400
    assert alice.post(reopen, {"program_id": personas.housing_program.pk}).status_code == 422


# --- the API --------------------------------------------------------------------------------


def test_the_api_flow(personas, api, audit_events):
    needs_approval(personas.housing_program)
    episode = episode_of(personas.dana)
    alice, bob = api(personas.alice), api(personas.bob)
    base = f"/api/v1/episodes/{episode.pk}/closure"
    created = alice.post(base, {"reason": "goals_achieved"})
    assert created.status_code == 201
    version = created.json()["version"]
    updated = alice.post(
        base,
        {
            "what_helped": COMPLETE["what_helped"],
            "closed_on": TODAY().isoformat(),
            "version": version,
        },
    )
    assert updated.status_code == 200
    stale = alice.post(base, {"worker_summary": "late", "version": version})
    assert stale.status_code == 409

    sent = alice.post(f"{base}/submit", {})
    assert sent.status_code == 200 and sent.json()["status"] == "awaiting_approval"
    closure_id = sent.json()["id"]
    returned = bob.post(f"/api/v1/closures/{closure_id}/review", {"approve": False})
    assert returned.status_code == 400
    approved = bob.post(
        f"/api/v1/closures/{closure_id}/review", {"approve": True, "comment": "Well done."}
    )
    assert approved.status_code == 200
    body = approved.json()
    assert body["status"] == "closed" and body["episode_closed_on"] == TODAY().isoformat()
    assert [h["kind"] for h in body["history"]] == ["submitted", "approved", "closed"]

    listing = alice.get(f"/api/v1/clients/{personas.dana.pk}/closures")
    assert listing.status_code == 200 and listing.json()["closures"][0]["id"] == closure_id
    assert audit_events("closure.viewed", client_id=personas.dana.pk)

    back = alice.post(
        f"/api/v1/clients/{personas.dana.pk}/reopen",
        {"program_id": personas.housing_program.pk, "reason": "Came back in the spring."},
    )
    assert back.status_code == 201
    assert back.json()["previous_closure"]["what_helped"] == COMPLETE["what_helped"]
    assert back.json()["episode_id"] != episode.pk
    again = alice.get(f"/api/v1/clients/{personas.dana.pk}/closures").json()
    assert again["reopenings"][0]["reason"] == "Came back in the spring."


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_closes_one_of_alices_clients_and_brings_another_back(db):
    from strengthwise.outcomes import demo as outcomes_demo
    from strengthwise.people import demo as people_demo

    people_demo.load(clients=40)
    assessments_demo.load()
    plans_demo.load()
    result = outcomes_demo.load()
    assert result["closures"] == 2
    closed = Closure.objects.get(client_id=result["closed_client"])
    assert closed.status == "closed" and closed.reason == "goals_achieved"
    assert closed.client.legal_first_name not in ("Dana", "Rosa")
    assert closed.final_gas
    reopened = Reopening.objects.get(client_id=result["reopened_client"])
    assert reopened.previous_closure.reason == "moved"
    assert reopened.episode.closed_on is None
    assert outcomes_demo.load() == {}  # once only


def test_the_face_sheet_reads_the_latest_closed_and_the_pending_closure_at_once(personas):
    """One read of the client's closures gives the face sheet both: the latest closed one (a
    closed one without its time still counts, as the oldest) and the one in progress."""
    alice, dana = personas.alice, personas.dana
    old = services.closure_submit(
        acting_user=alice, closure=draft(alice, dana, closed_on=TODAY() - dt.timedelta(days=5))
    )
    assert old.status == Closure.Status.CLOSED
    services.episode_reopen(
        acting_user=alice,
        client=dana,
        program=personas.housing_program,
        reason="Lost the apartment.",
        opened_on=TODAY(),
    )
    pending = draft(alice, dana)

    def section():
        (template, context), *_rest = selectors.face_sheet_sections(client=dana, user=alice)[
            "strengths"
        ]
        return context["closure"], context["pending"]

    assert section() == (old, pending)
    Closure.objects.filter(pk=old.pk).update(closed_at=None)  # a repaired row, say
    assert section() == (old, pending)
