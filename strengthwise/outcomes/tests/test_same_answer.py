"""The page and the API give the same answer for the same input (issue 13).

- Reports: one gate (`access.may_read_reports`) and one recorded read
  (`selectors.report_read`) for the page, its exports and `/api/v1/reports/{name}` — the
  role gate was written twice and only the page recorded the filters it applied.
- Coming back: the program is an id the service looks up among the agency's programs — the
  page answered an unknown one with a generic form error, the API on "program_id".
- Approval: the supervisor's waiting list, the review page and the review service apply one
  rule (`access.may_approve`) — the list used to offer a closure to anyone holding a
  supervisor membership, whatever their role, while the service refused them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from strengthwise.accounts.models import Membership, Program, Role, User
from strengthwise.assessments import demo as assessments_demo
from strengthwise.audit.models import AuditEvent
from strengthwise.outcomes import reports, selectors, serialize, services
from strengthwise.outcomes.models import Closure
from strengthwise.people.models import Episode
from strengthwise.plans import demo as plans_demo

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def demo(personas):
    assessments_demo.load()
    plans_demo.load()
    return personas


def _last(action):
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


# --- reports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "priya", "admin"])
def test_page_and_api_read_the_same_figures_and_record_the_same_filters(demo, web, api, who):
    user = getattr(demo, who)
    start = TODAY() - dt.timedelta(days=400)
    filters = reports.Filters(program_id=demo.housing_program.pk, start=start, end=TODAY())
    expected = reports.report_for(user, filters)

    page = web(user).get(
        "/reports/",
        {"program": demo.housing_program.pk, "start": start.isoformat(), "end": TODAY()},
    )
    assert page.status_code == 200
    assert page.context["tables"] == expected.tables
    page_event = _last("report.viewed")

    answer = api(user).get(
        f"/api/v1/reports/all?program={demo.housing_program.pk}"
        f"&from={start.isoformat()}&to={TODAY().isoformat()}"
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json() == serialize.plain(expected.figures, deidentified=expected.deidentified)
    api_event = _last("report.viewed")

    assert api_event.seq > page_event.seq
    said = {
        "program_id": demo.housing_program.pk,
        "start": start.isoformat(),
        "end": TODAY().isoformat(),
    }
    assert page_event.changes == api_event.changes == {"filters": [None, said]}
    assert (page_event.target_id, api_event.target_id) == ("all", "all")


def test_one_gate_for_page_exports_and_api(demo, web, api):
    nobody = User.objects.create(username="nobody", role=Role.WORKER, agency=None)
    browser, client = web(nobody), api(nobody)
    assert browser.get("/reports/").status_code == 404
    assert browser.get("/reports/advocacy/").status_code == 404
    assert browser.get("/reports/export.xlsx").status_code == 404
    assert client.get("/api/v1/reports/all").status_code == 404
    assert not AuditEvent.objects.filter(action="report.viewed").exists()


@pytest.mark.parametrize(("who", "status"), [("alice", 200), ("priya", 404), ("admin", 404)])
def test_the_clients_behind_a_figure_only_for_identified_readers_and_recorded(
    demo, web, who, status
):
    user = getattr(demo, who)
    response = web(user).get("/reports/data-quality/missing_strengths/")
    assert response.status_code == status
    if status != 200:
        return
    shown = [c.pk for c in response.context["clients"]]
    assert shown, "the demo has open clients without a strengths assessment"
    event = _last("report.list_viewed")
    assert event.changes["clients"] == [None, sorted(shown)]  # was only their number
    assert event.changes["check"] == [None, "missing_strengths"]


# --- coming back ------------------------------------------------------------------------------


def _close(personas):
    episode = Episode.objects.get(client=personas.dana, closed_on__isnull=True)
    closure = services.closure_start(acting_user=personas.alice, episode=episode)
    services.closure_save(
        acting_user=personas.alice,
        closure=closure,
        fields={
            "reason": "goals_achieved",
            "what_helped": "Someone who called back.",
            "closed_on": TODAY(),
        },
    )
    return services.closure_submit(acting_user=personas.alice, closure=closure)


@pytest.mark.parametrize("which", ["another_agency", "missing"])
def test_a_program_that_is_not_the_agencys_is_refused_alike(personas, web, api, which):
    _close(personas)
    program = (
        Program.objects.get(agency=personas.eastgate).pk if which == "another_agency" else 999_999
    )
    page = web(personas.alice).post(
        f"/clients/{personas.dana.pk}/reopen/", {"program": program, "reason": "Back"}
    )
    assert page.status_code == 400
    said = page.context["form"].errors["program"]
    answer = api(personas.alice).post(
        f"/api/v1/clients/{personas.dana.pk}/reopen", {"program_id": program, "reason": "Back"}
    )
    assert answer.status_code == 400, answer.json()
    assert answer.json()["errors"]["program"] == said
    assert not Episode.objects.filter(client=personas.dana, closed_on__isnull=True).exists()


def test_the_agencys_program_reopens_from_page_and_api(personas, web, api):
    _close(personas)
    page = web(personas.alice).post(
        f"/clients/{personas.dana.pk}/reopen/",
        {"program": personas.housing_program.pk, "reason": "Back"},
    )
    assert page.status_code == 302
    _close(personas)
    answer = api(personas.alice).post(
        f"/api/v1/clients/{personas.dana.pk}/reopen",
        {"program_id": personas.housing_program.pk, "reason": "Back again"},
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["program"] == personas.housing_program.name


# --- approval -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may"),
    [("bob", True), ("alice", False), ("carol_as_supervisor_member", False), ("priya", False)],
)
def test_waiting_list_review_page_and_service_agree(personas, web, api, who, may):
    if who == "carol_as_supervisor_member":
        # A worker holding a supervisor membership of Dana's team: not a supervisor.
        Membership.objects.create(
            agency=personas.river_city,
            user=personas.carol,
            team=personas.housing,
            kind=Membership.Kind.SUPERVISOR,
        )
        who = "carol"
    user = User.objects.get(pk=getattr(personas, who).pk)
    personas.housing_program.requires_closure_approval = True
    personas.housing_program.save()
    closure = _close(personas)
    assert closure.status == Closure.Status.AWAITING_APPROVAL
    listed = list(selectors.closures_awaiting_approval(visible_to=user))
    assert (closure in listed) is may
    review = web(user).get(
        f"/clients/{personas.dana.pk}/episodes/{closure.episode_id}/close/review/"
    )
    assert review.status_code in (200, 403, 404)
    assert (review.status_code == 200) is may
    answer = api(user).post(f"/api/v1/closures/{closure.pk}/review", {"approve": True})
    assert (answer.status_code == 200) is may, answer.json()
