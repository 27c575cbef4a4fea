"""Find help, the service page, editor pages, saved lists and the directory API."""

from __future__ import annotations

import datetime as dt
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from strengthwise.accounts.models import User
from strengthwise.directory import selectors
from strengthwise.directory.models import SavedService, Service
from strengthwise.directory.testing import make_service
from strengthwise.outcomes import snapshots
from strengthwise.plans import services as plan_services

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
HOME = (38.627, -90.199)


@pytest.fixture
def directory(personas):
    return {
        "workshop": make_service(
            "Money Basics evening workshop",
            term="Financial literacy",
            domains=("financial",),
            languages=("en", "es"),
            at=(38.637, -90.199),  # ~1.1 km north of home
            hours=(("TU,TH", "18:00", "20:30"),),
        ),
        "budget": make_service(
            "Budget coaching",
            term="Financial literacy",
            domains=("financial",),
            languages=("en",),
            at=(38.727, -90.199),  # ~11 km
            capacity="waitlist",
        ),
        "shelter": make_service(
            "Night shelter",
            term="Shelter",
            domains=("daily_living",),
            at=(38.620, -90.190),
            hours=(("MO,TU,WE,TH,FR,SA,SU", "20:00", "08:00"),),
            eligibility_description="Adults 18 and over; families go to the family centre",
        ),
        "far": make_service("Far pantry", term="Food", at=(39.9, -90.199)),
        "closed": make_service("Closed clinic", status="temporarily closed"),
    }


def names(hits):
    return [h.service.name for h in hits]


def search(**kwargs):
    at = kwargs.pop("at", None)
    hits, _total = selectors.search(selectors.Filters(**kwargs), tz=CHICAGO, at=at)
    return hits


def test_words_are_typo_and_accent_tolerant_enough(directory):
    assert names(search(words="budget")) == ["Budget coaching"]
    assert names(search(words="MONEY basics")) == ["Money Basics evening workshop"]
    assert "Closed clinic" not in names(search())


def test_filters(directory):
    fin = [pk for pk, name in selectors.terms_for_filter() if name == "Financial literacy"][0]
    assert names(search(term=UUID(fin))) == ["Budget coaching", "Money Basics evening workshop"]
    assert names(search(language="es")) == ["Money Basics evening workshop"]
    assert names(search(capacity=["waitlist"])) == ["Budget coaching"]
    assert names(search(domain="daily_living")) == ["Night shelter"]
    assert names(search(eligibility="families")) == ["Night shelter"]


def test_distance_orders_and_limits(directory):
    hits = search(near=HOME, within_km=25)
    assert names(hits) == ["Night shelter", "Money Basics evening workshop", "Budget coaching"]
    assert [round(h.distance_km) for h in hits] == [1, 1, 11]
    assert hits[0].distance_km < hits[1].distance_km
    assert "Far pantry" not in names(search(near=HOME, within_km=100))[:3]
    assert names(search(near=HOME, within_km=5)) == [
        "Night shelter",
        "Money Basics evening workshop",
    ]


def test_open_now_across_midnight_in_agency_time_zone(directory):
    # Saturday 02:00 in Chicago: the night shelter opened Friday 20:00 and is still open.
    saturday_2am = dt.datetime(2026, 11, 28, 2, 0, tzinfo=CHICAGO)
    assert names(search(open_now=True, at=saturday_2am)) == ["Night shelter"]
    # Tuesday 19:00 Chicago: workshop open (and the shelter is not yet).
    tuesday_7pm = dt.datetime(2026, 11, 24, 19, 0, tzinfo=CHICAGO)
    assert names(search(open_now=True, at=tuesday_7pm)) == ["Money Basics evening workshop"]
    # The same instant read in Tokyo's time zone is Wednesday 10:00: other services are open.
    hits, _ = selectors.search(
        selectors.Filters(open_now=True), tz=ZoneInfo("Asia/Tokyo"), at=tuesday_7pm
    )
    assert "Money Basics evening workshop" not in names(hits)


def test_goal_ranking_prefers_domain_then_language(personas, directory):
    hits, _ = selectors.search(
        selectors.Filters(near=HOME, within_km=25),
        tz=CHICAGO,
        rank_domain="financial",
        rank_language="es",
    )
    assert names(hits)[0] == "Money Basics evening workshop"
    assert hits[0].domain_match and hits[0].language_match
    assert names(hits)[1] == "Budget coaching"


def test_find_help_page_and_htmx_partial(personas, directory, web):
    alice = web(personas.alice)
    page = alice.get(reverse("directory:find"), {"q": "budget"})
    assert page.status_code == 200
    assert "Budget coaching" in page.content.decode()
    partial = alice.get(reverse("directory:find"), {"q": "shelter"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "Night shelter" in body and "<html" not in body
    bad = alice.get(reverse("directory:find"), {"term": "not-a-uuid", "within_km": "x"})
    assert bad.status_code == 200


def test_find_for_client_uses_home_unless_confidential(personas, directory, web, audit_events):
    dana = personas.dana
    dana.home_latitude, dana.home_longitude = HOME
    dana.save()
    goal = _goal(personas)
    page = web(personas.alice).get(
        reverse("directory:find-for-client", args=[dana.pk]), {"goal": goal.pk}
    )
    html = page.content.decode()
    assert "km from home" in html
    assert html.index("Money Basics evening workshop") < html.index("Night shelter")
    assert audit_events("directory.searched_for_client", client_id=dana.pk)
    # bob (same team, not the assigned worker) with a confidential address: no distance.
    dana.address_confidential = True
    dana.save()
    page = web(personas.bob).get(reverse("directory:find-for-client", args=[dana.pk]))
    assert "km from home" not in page.content.decode()


def test_each_result_saves_to_and_refers_the_client_of_the_page(personas, directory, web):
    dana, goal = personas.dana, _goal(personas)
    page = web(personas.alice).get(
        reverse("directory:find-for-client", args=[dana.pk]), {"goal": goal.pk}
    )
    html = page.content.decode()
    save = reverse("directory:saved-add", args=[dana.pk])
    refer = reverse("referrals:referral-new", args=[dana.pk])
    for service in (directory["workshop"], directory["shelter"]):
        assert f'href="{refer}?service={service.pk}&amp;goal={goal.pk}"' in html
        assert f'<input type="hidden" name="service" value="{service.pk}">' in html
    assert html.count(f'action="{save}"') == html.count(f'hx-post="{save}"') >= 2


def _goal(personas):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    return plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "Have a budget that works", "author": "client", "domain": "financial"},
    )


def test_saved_list_and_take_home_print_in_client_language(personas, directory, web):
    rosa = personas.rosa
    alice = web(personas.alice)
    response = alice.post(
        reverse("directory:saved-add", args=[rosa.pk]),
        {"service": str(directory["workshop"].pk), "note": "Clases en español los martes"},
    )
    assert response.status_code == 302
    assert SavedService.objects.filter(client=rosa).count() == 1
    again = alice.post(
        reverse("directory:saved-add", args=[rosa.pk]), {"service": str(directory["workshop"].pk)}
    )
    assert again.status_code == 302
    assert SavedService.objects.filter(client=rosa).count() == 1
    printed = alice.get(reverse("directory:saved-print", args=[rosa.pk]))
    html = printed.content.decode()
    assert 'lang="es"' in html
    assert "Money Basics evening workshop" in html
    assert "Clases en español los martes" in html
    saved = SavedService.objects.get(client=rosa)
    alice.post(reverse("directory:saved-remove", args=[rosa.pk, saved.pk]))
    assert not SavedService.objects.filter(client=rosa).exists()


def test_editor_pages_only_for_editors(personas, directory, web, audit_events):
    url = reverse("directory:service-new")
    assert web(personas.alice).get(url).status_code == 404
    admin = web(personas.admin)
    assert admin.get(url).status_code == 200
    bad = admin.post(url, {"name": "", "status": "active", "hours": "Mondays 9 to 5"})
    assert bad.status_code == 400
    assert "MO-FR 09:00-17:00" in bad.content.decode()
    count = Service.objects.count()
    good = admin.post(
        url,
        {
            "new_organization": "Eastside Tenants Union",
            "name": "Tenant rights clinic",
            "status": "active",
            "capacity": "capacity",
            "languages": "en, es",
            "domains": ["daily_living"],
            "address_1": "12 Elm St",
            "city": "River City",
            "state_province": "MO",
            "postal_code": "63102",
            "latitude": "38.63",
            "longitude": "-90.2",
            "hours": "MO-FR 09:00-17:00\nSA 10:00-12:00",
            "phone": "555-0142",
        },
    )
    assert good.status_code == 302, good.content.decode()[:2000]
    assert Service.objects.count() == count + 1
    made = Service.objects.get(name="Tenant rights clinic")
    assert made.schedules.count() == 2
    assert sorted(made.languages.values_list("code", flat=True)) == ["en", "es"]
    assert "tenant rights clinic" in made.search_text
    assert audit_events("directory.service_created")
    edit = reverse("directory:service-edit", args=[made.pk])
    form = admin.get(edit)
    assert "SA 10:00-12:00" in form.content.decode()
    editor = User.objects.get(username="bob")
    editor.edits_directory = True
    editor.save()
    response = web(editor).post(
        reverse("directory:capacity", args=[made.pk]),
        {"capacity": "no-capacity", "capacity_notes": "Full until March"},
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.capacity == "no-capacity"
    assert (
        web(personas.alice)
        .post(reverse("directory:capacity", args=[made.pk]), {"capacity": "capacity"})
        .status_code
        == 404
    )


def test_service_page_and_api(personas, directory, web, api):
    shelter = directory["shelter"]
    page = web(personas.alice).get(reverse("directory:service", args=[shelter.pk]))
    assert page.status_code == 200
    assert "(next day)" in page.content.decode() or "08:00" in page.content.decode()
    assert (
        web(personas.alice)
        .get("/directory/services/00000000-0000-0000-0000-000000000000/")
        .status_code
        == 404
    )
    client = api(personas.alice)
    body = client.get("/api/v1/directory/services?q=budget").json()
    assert body["count"] == 1 and body["results"][0]["name"] == "Budget coaching"
    near = client.get(
        "/api/v1/directory/services?latitude=38.627&longitude=-90.199&within_km=5"
    ).json()
    assert [r["name"] for r in near["results"]] == [
        "Night shelter",
        "Money Basics evening workshop",
    ]
    assert client.get("/api/v1/directory/services?latitude=100&longitude=0").status_code == 422
    one = client.get(f"/api/v1/directory/services/{shelter.pk}").json()
    assert one["hours"]
    outsider = api(personas.mallory)
    assert outsider.get(f"/api/v1/directory/services?client={personas.dana.pk}").status_code == 404


def test_find_help_queries_are_constant(personas, directory, web):
    alice = web(personas.alice)
    url = reverse("directory:find")
    alice.get(url)
    with CaptureQueriesContext(connection) as few:
        alice.get(url)
    for i in range(6):
        make_service(f"Extra service {i}", term="Food", languages=("en", "so"))
    alice.get(url)  # reads the changed directory into memory (directory/index.py)
    with CaptureQueriesContext(connection) as more:
        alice.get(url)
    assert len(few) == len(more)


def test_open_now_with_time_machine_on_the_page(personas, directory, web):
    with time_machine.travel(dt.datetime(2026, 11, 28, 2, 0, tzinfo=CHICAGO)):
        page = web(personas.alice).get(reverse("directory:find"), {"open_now": "on"})
    html = page.content.decode()
    assert "Night shelter" in html and "Budget coaching" not in html


def test_find_for_a_goal_queries_are_constant(personas, directory, web):
    # At a named instant, when the night shelter is open: the first page has a result, so the
    # count compares a page of one with a page of nine (an empty page costs fewer queries, and
    # which sites are open depends on the clock: at 17:40 in Chicago none of these was).
    with time_machine.travel(dt.datetime(2026, 12, 1, 22, 0, tzinfo=CHICAGO), tick=True):
        _find_for_a_goal_queries_are_constant(personas, directory, web)


def _find_for_a_goal_queries_are_constant(personas, directory, web):
    dana = personas.dana
    dana.home_latitude, dana.home_longitude = HOME
    dana.save()
    goal = _goal(personas)
    alice = web(personas.alice)
    url = reverse("directory:find-for-client", args=[dana.pk]) + f"?goal={goal.pk}&open_now=on"
    alice.get(url)
    with CaptureQueriesContext(connection) as few:
        first = alice.get(url).content.decode()
    assert "Night shelter" in first  # a page of one
    for i in range(8):
        make_service(
            f"Extra nearby {i}",
            term="Financial literacy",
            domains=("financial",),
            languages=("en", "es"),
            at=(38.63 + i / 1000, -90.2),
            hours=(("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00"),),
        )
    # The writes above run inside the test's transaction, which never commits: raise the
    # report version now, as the commit of a real request would (outcomes/snapshots.py), so
    # that the next page does not pay for it.
    snapshots.flush()
    alice.get(url)  # reads the changed directory into memory (directory/index.py)
    with CaptureQueriesContext(connection) as more:
        page = alice.get(url).content.decode()
    assert "Extra nearby 7" in page  # the page of nine
    assert len(few) == len(more)


def test_home_coordinates_are_recorded_like_the_address(personas, audit_events):
    from strengthwise.core.errors import DomainError
    from strengthwise.people import services as people_services

    dana = personas.dana
    people_services.client_update(
        acting_user=personas.alice,
        client=dana,
        version=dana.version,
        fields={"home_latitude": 38.63, "home_longitude": -90.2, "address_confidential": True},
    )
    dana.refresh_from_db()
    assert (dana.home_latitude, dana.home_longitude) == (38.63, -90.2)
    event = audit_events("client.updated", client_id=dana.pk)[-1]
    assert event.changes["home_latitude"] == ["[hidden]", "[hidden]"]
    with pytest.raises(DomainError):
        people_services.client_update(
            acting_user=personas.bob,
            client=dana,
            version=dana.version,
            fields={"home_latitude": 10.0, "home_longitude": 10.0},
        )
    with pytest.raises(DomainError):
        people_services.client_update(
            acting_user=personas.alice,
            client=dana,
            version=dana.version,
            fields={"home_latitude": 91.0, "home_longitude": 0.0},
        )


def test_htmx_save_reports_a_refusal(personas, directory, web):
    other_goal = _goal(personas)
    rosa = personas.rosa
    response = web(personas.alice).post(
        reverse("directory:saved-add", args=[rosa.pk]),
        {"service": str(directory["workshop"].pk), "goal": other_goal.pk},
        HTTP_HX_REQUEST="true",
    )
    assert "On the saved list" not in response.content.decode()
    assert not SavedService.objects.filter(client=rosa).exists()


def test_api_search_refuses_nul(personas, directory, api):
    for param in ["eligibility", "language", "domain", "domain_rank", "q"]:
        response = api(personas.alice).get(f"/api/v1/directory/services?{param}=a%00b")
        assert response.status_code in (400, 422), param


def test_service_edit_audits_every_part(personas, directory, web, audit_events):
    service = directory["budget"]
    admin = web(personas.admin)
    form = admin.get(reverse("directory:service-edit", args=[service.pk]))
    assert form.status_code == 200
    response = admin.post(
        reverse("directory:service-edit", args=[service.pk]),
        {
            "organization": str(service.organization_id),
            "name": service.name,
            "status": "active",
            "hours": "SA 10:00-12:00",
            "languages": "en, so",
        },
    )
    assert response.status_code == 302
    changes = audit_events("directory.service_updated")[-1].changes
    assert "hours" in changes and "languages" in changes
