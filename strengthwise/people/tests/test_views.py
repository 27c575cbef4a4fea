"""Pages: login required, carol and mallory get 404, the owner succeeds, audit, bad input, queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strengthwise.audit.models import AuditEvent
from strengthwise.outcomes import snapshots
from strengthwise.people.models import Client, HouseholdMember

from .helpers import add_clients

INTAKE = {
    "legal_first_name": "Marcus",
    "legal_last_name": "Oyelaran",
    "date_of_birth": "1979-05-30",
    "preferred_language": "en",
    "pronouns": "he/him",
}


def dana_pages(dana):
    return [
        f"/clients/{dana.pk}/",
        f"/clients/{dana.pk}/edit/",
    ]


@pytest.mark.parametrize("path", ["/clients/", "/clients/search/?q=dana", "/clients/new/"])
def test_pages_require_sign_in(personas, web, path):
    response = web().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_client_pages_require_sign_in(personas, web, dana):
    for path in dana_pages(dana):
        response = web().get(path)
        assert response.status_code == 302, path


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_get_404_on_every_dana_page(personas, web, dana, who):
    browser = web(getattr(personas, who))
    for path in dana_pages(dana):
        assert browser.get(path).status_code == 404, path
    assert (
        browser.post(
            f"/clients/{dana.pk}/edit/", {"legal_first_name": "X", "version": 1}
        ).status_code
        == 404
    )
    assert (
        browser.post(
            f"/clients/{dana.pk}/household/", {"name": "X", "relationship": "y"}
        ).status_code
        == 404
    )
    member = dana.household.first()
    assert browser.post(f"/clients/{dana.pk}/household/{member.pk}/remove/").status_code == 404
    assert HouseholdMember.objects.filter(pk=member.pk).exists()
    assert Client.objects.get(pk=dana.pk).legal_first_name == "Dana"


def test_malformed_and_missing_ids_are_404(personas, web):
    browser = web(personas.alice)
    assert browser.get("/clients/abc/").status_code == 404
    assert browser.get("/clients/99999999/").status_code == 404


def test_face_sheet_opens_with_strengths_dreams_and_goals_and_is_audited(
    personas, web, dana, audit_events
):
    response = web(personas.alice).get(f"/clients/{dana.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dana Whitfield" in html and "she/her" in html
    order = [
        html.index(h)
        for h in (
            "Strengths",
            "Dreams, in their words",
            "Goals",
            "Needs",
            "Current referrals",
            "Recent contacts",
            "Due tasks",
        )
    ]
    assert order == sorted(order)
    assert "Jayden Whitfield" in html and "Marisol Whitfield" in html
    assert "Housing Stability" in html
    viewed = audit_events("client.viewed", client_id=dana.pk)
    assert [e.actor_id for e in viewed] == [personas.alice.pk]
    assert response["Cache-Control"] == "no-store"


def test_supervisor_opens_dana(personas, web, dana):
    assert web(personas.bob).get(f"/clients/{dana.pk}/").status_code == 200


def test_confidential_address_is_hidden_from_all_but_the_assigned_worker(personas, web):
    keisha = personas.carol_client
    assert "(shelter address)" in web(personas.carol).get(f"/clients/{keisha.pk}/").content.decode()
    seen_by_bob = web(personas.bob).get(f"/clients/{keisha.pk}/").content.decode()
    assert "(shelter address)" not in seen_by_bob
    assert "Confidential address" in seen_by_bob
    edit = web(personas.bob).get(f"/clients/{keisha.pk}/edit/").content.decode()
    assert "(shelter address)" not in edit and 'name="address_line1"' not in edit


def test_supervisor_cannot_change_a_confidential_address_by_posting_it(personas, web):
    keisha = personas.carol_client
    web(personas.bob).post(
        f"/clients/{keisha.pk}/edit/",
        {
            "legal_first_name": "Keisha",
            "legal_last_name": "Brown",
            "preferred_language": "en",
            "address_line1": "leaked",
            "address_confidential": "",
            "version": keisha.version,
        },
    )
    keisha.refresh_from_db()
    assert keisha.address_line1 == "(shelter address)" and keisha.address_confidential


def test_caseload_lists_own_clients_and_team(personas, web):
    mine = web(personas.alice).get("/clients/").content.decode()
    assert "Dana Whitfield" in mine and "Rosa Hernández" in mine
    assert "Dana Whitfeld" not in mine  # unassigned old record is on the team list only
    team = web(personas.alice).get("/clients/?scope=team").content.decode()
    assert "Dana Whitfeld" in team and "Keisha Brown" not in team
    assert "Dana Whitfield" not in web(personas.carol).get("/clients/?scope=team").content.decode()


def count_queries(browser, path):
    with CaptureQueriesContext(connection) as ctx:
        response = browser.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


CASELOAD_QUERIES = 13  # the session save (3 statements), the audit of the rows shown (5)
# audit write (4), session save (3), assessment (4), plan (2), referral (3), notes (2), tasks
# and closure (2: one read of the client's closures) sections, the merge history (1)
# + the agency questionnaires' answers and intake questions (2); the due tasks are the client's
# stored items (tasks/due.py: two queries once the client has them, computed on a first view)
FACE_SHEET_QUERIES = 28


def test_caseload_query_count_is_pinned_and_constant(personas, web):
    browser = web(personas.alice)
    browser.get("/clients/")  # warm the session
    before = count_queries(browser, "/clients/")
    add_clients(personas, 30)
    # The writes above run inside the test's transaction, which never commits: raise the
    # report version now, as the commit of a real request would (outcomes/snapshots.py), so
    # that the next page does not pay for it.
    snapshots.flush()
    after = count_queries(browser, "/clients/")
    team_after = count_queries(browser, "/clients/?scope=team")
    assert before == after == CASELOAD_QUERIES
    assert team_after == CASELOAD_QUERIES + 1  # the user's teams (test_list_pages.py)


def test_face_sheet_query_count_is_pinned_and_constant(personas, web, dana):
    browser = web(personas.alice)
    browser.get("/clients/")
    browser.get(f"/clients/{dana.pk}/")  # the first view stores Dana's due tasks
    before = count_queries(browser, f"/clients/{dana.pk}/")
    add_clients(personas, 20)
    for i in range(10):
        HouseholdMember.objects.create(
            agency=personas.river_city, client=dana, name=f"Cousin {i}", relationship="cousin"
        )
    # The writes above run inside the test's transaction, which never commits: raise the
    # report version now, as the commit of a real request would (outcomes/snapshots.py), so
    # that the next page does not pay for it.
    snapshots.flush()
    after = count_queries(browser, f"/clients/{dana.pk}/")
    assert before == after == FACE_SHEET_QUERIES


def test_search_page_finds_with_a_typo_and_serves_the_htmx_partial(personas, web):
    browser = web(personas.alice)
    full = browser.get("/clients/search/?q=Witfield").content.decode()
    assert "<html" in full and "Dana Whitfield" in full
    partial = browser.get(
        "/clients/search/?q=Witfield", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in partial and "Dana Whitfield" in partial


def test_search_page_rejects_oversized_queries_without_error(personas, web):
    response = web(personas.alice).get("/clients/search/?q=" + "x" * 300)
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()


# --- intake ---------------------------------------------------------------------------------


def test_intake_creates_the_client_with_an_episode_and_audit(personas, web, audit_events):
    response = web(personas.alice).post("/clients/new/", INTAKE)
    assert response.status_code == 302
    client = Client.objects.get(legal_last_name="Oyelaran")
    assert response["Location"] == f"/clients/{client.pk}/"
    assert client.primary_worker == personas.alice and client.team == personas.housing
    assert client.episodes.get().program == personas.housing_program
    created = audit_events("client.created", client_id=client.pk)
    assert created[0].changes["legal_last_name"] == [None, "Oyelaran"]
    assert audit_events("episode.opened", client_id=client.pk)


def test_intake_warns_about_a_likely_duplicate_before_saving(personas, web):
    browser = web(personas.alice)
    data = {
        **INTAKE,
        "legal_first_name": "Dana",
        "legal_last_name": "Whitfeeld",
        "date_of_birth": "1992-04-17",
    }
    response = browser.post("/clients/new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This person may already be on record" in html
    assert "Dana Whitfield" in html and "likely the same person" in html
    assert f'href="/clients/{personas.dana.pk}/"' in html
    assert not Client.objects.filter(legal_last_name="Whitfeeld").exists()
    # Saving the same details again means "I have looked": it saves and records the override.
    checked = re.search(r'name="duplicates_checked_for" value="([^"]*)"', html).group(1)
    response = browser.post("/clients/new/", {**data, "duplicates_checked_for": checked})
    assert response.status_code == 302
    created = Client.objects.get(legal_last_name="Whitfeeld")
    assert AuditEvent.objects.filter(
        action="client.duplicate_check_overridden", client_id=created.pk
    ).exists()


def test_changing_the_details_after_the_check_runs_the_check_again(personas, web):
    browser = web(personas.alice)
    data = {
        **INTAKE,
        "legal_first_name": "Dana",
        "legal_last_name": "Whitfeeld",
        "date_of_birth": "1992-04-17",
    }
    html = browser.post("/clients/new/", data).content.decode()
    checked = re.search(r'name="duplicates_checked_for" value="([^"]*)"', html).group(1)
    # The worker now types Rosa's details into the same form: they must be checked too.
    rosa = {
        **data,
        "legal_first_name": "Rosa",
        "legal_last_name": "Hernandes",
        "date_of_birth": "1974-02-08",
        "duplicates_checked_for": checked,
    }
    response = browser.post("/clients/new/", rosa)
    assert "This person may already be on record" in response.content.decode()
    assert not Client.objects.filter(legal_last_name="Hernandes").exists()


def test_intake_duplicate_in_another_team_reveals_nothing_about_them(personas, web, audit_events):
    data = {
        **INTAKE,
        "legal_first_name": "Keisha",
        "legal_last_name": "Browne",
        "date_of_birth": "1988-11-30",
    }
    html = web(personas.alice).post("/clients/new/", data).content.decode()
    assert "A record on the Family Support team" in html
    assert "Keisha Brown" not in html and "1988-11-30\n" not in html.replace('1988-11-30"', "")
    assert f"/clients/{personas.carol_client.pk}/" not in html
    check = audit_events("client.duplicate_check", actor_id=personas.alice.pk)
    assert check[-1].changes["matched_ids"] == [personas.carol_client.pk]


def test_intake_without_a_birth_date_does_not_reveal_another_teams_birth_date(personas, web):
    html = (
        web(personas.carol)
        .post(
            "/clients/new/",
            {
                **INTAKE,
                "legal_first_name": "Dana",
                "legal_last_name": "Whitfield",
                "date_of_birth": "",
            },
        )
        .content.decode()
    )
    assert "1992-04-17" not in html and "Dana Whitfield" not in html
    assert "A record on the Housing Stability team" in html


def test_intake_never_shows_another_agencys_people(personas, web):
    data = {
        **INTAKE,
        "legal_first_name": "Dana",
        "legal_last_name": "Whitfield",
        "date_of_birth": "1992-04-17",
    }
    html = web(personas.mallory).post("/clients/new/", data).content.decode()
    # mallory's own agency record matches; River City's Dana never appears.
    assert f"/clients/{personas.dana.pk}/" not in html
    assert "Housing Stability" not in html


@pytest.mark.parametrize(
    ("change", "field_error"),
    [
        (
            {"date_of_birth": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
            "cannot be in the future",
        ),
        ({"legal_first_name": "", "legal_last_name": ""}, "Enter at least a first or a last name"),
        ({"legal_first_name": "x" * 101}, "at most 100 characters"),
        ({"date_of_birth": "17/04/1992x"}, "Enter a valid date"),
        ({"email": "not-an-email"}, "valid email"),
        ({"phone": "call me maybe"}, "Enter a phone number"),
        ({"preferred_language": "klingon"}, "Select a valid choice"),
    ],
)
def test_intake_bad_input_gives_a_field_error_and_writes_nothing(
    personas, web, change, field_error
):
    browser = web(personas.alice)
    before_clients, before_events = Client.objects.count(), AuditEvent.objects.count()
    response = browser.post("/clients/new/", {**INTAKE, **change})
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert Client.objects.count() == before_clients
    assert AuditEvent.objects.count() == before_events


@pytest.mark.parametrize("who", ["priya", "admin"])
def test_roles_without_a_caseload_cannot_take_in_clients(personas, web, who):
    # Refused with a reason (403), on the page before anything is typed and on a post.
    assert web(getattr(personas, who)).get("/clients/new/").status_code == 403
    response = web(getattr(personas, who)).post("/clients/new/", INTAKE)
    assert response.status_code == 403
    assert not Client.objects.filter(legal_last_name="Oyelaran").exists()


# --- edit -----------------------------------------------------------------------------------


def edit_data(client, **change):
    data = {
        name: getattr(client, name) or ""
        for name in (
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "pronouns",
            "preferred_language",
            "other_languages",
            "phone",
            "email",
            "preferred_contact_method",
            "contact_notes",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
        )
    }
    data["date_of_birth"] = client.date_of_birth.isoformat() if client.date_of_birth else ""
    for flag in (
        "interpreter_needed",
        "ok_to_leave_message",
        "do_not_contact",
        "address_confidential",
    ):
        if getattr(client, flag):
            data[flag] = "on"
    data["version"] = client.version
    data.update(change)
    return data


def test_a_form_error_keeps_the_version_the_user_read(personas, web, dana):
    stale = edit_data(dana)
    web(personas.bob).post(f"/clients/{dana.pk}/edit/", edit_data(dana, phone="555-000-1111"))
    # alice submits a bad email: the form comes back with HER version, not the newer one...
    html = (
        web(personas.alice)
        .post(f"/clients/{dana.pk}/edit/", {**stale, "email": "bad"})
        .content.decode()
    )
    assert 'name="version" value="1"' in html
    # ...so fixing the email and saving gets a conflict instead of erasing bob's phone number.
    response = web(personas.alice).post(
        f"/clients/{dana.pk}/edit/", {**stale, "email": "dana@example.org"}
    )
    assert response.status_code == 409
    dana.refresh_from_db()
    assert dana.phone == "555-000-1111"


def test_an_edit_without_a_version_is_refused(personas, web, dana):
    data = edit_data(dana)
    del data["version"]
    response = web(personas.alice).post(f"/clients/{dana.pk}/edit/", data)
    assert response.status_code == 400 and "missing its version" in response.content.decode()


def test_edit_saves_bumps_the_version_and_audits_before_and_after(
    personas, web, dana, audit_events
):
    response = web(personas.alice).post(
        f"/clients/{dana.pk}/edit/", edit_data(dana, pronouns="she/they")
    )
    assert response.status_code == 302
    dana.refresh_from_db()
    assert dana.pronouns == "she/they" and dana.version == 2
    updated = audit_events("client.updated", client_id=dana.pk)
    assert updated[-1].changes == {"pronouns": ["she/her", "she/they"]}


def test_a_stale_edit_gets_a_conflict_showing_both_versions(personas, web, dana):
    stale = edit_data(dana)
    web(personas.bob).post(f"/clients/{dana.pk}/edit/", edit_data(dana, preferred_name="Dee"))
    response = web(personas.alice).post(
        f"/clients/{dana.pk}/edit/", {**stale, "preferred_name": "D."}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this record" in html
    assert "Dee" in html and "D." in html
    dana.refresh_from_db()
    assert dana.preferred_name == "Dee"


def test_edit_bad_input_changes_nothing(personas, web, dana):
    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = web(personas.alice).post(
        f"/clients/{dana.pk}/edit/", edit_data(dana, date_of_birth=future)
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    dana.refresh_from_db()
    assert dana.date_of_birth == dt.date(1992, 4, 17) and dana.version == 1


def test_confidential_address_changes_are_audited_without_the_address(personas, web):
    keisha = personas.carol_client
    web(personas.carol).post(
        f"/clients/{keisha.pk}/edit/", edit_data(keisha, address_line1="New shelter")
    )
    event = AuditEvent.objects.filter(action="client.updated", client_id=keisha.pk).get()
    assert event.changes["address_line1"] == ["[hidden]", "[hidden]"]
    assert "New shelter" not in str(event.changes)


# --- household ------------------------------------------------------------------------------


def test_household_add_and_remove_with_htmx(personas, web, dana, audit_events):
    browser = web(personas.alice)
    response = browser.post(
        f"/clients/{dana.pk}/household/",
        {"name": "Grandma Lou", "relationship": "grandmother", "lives_with_client": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Grandma Lou" in response.content.decode() and "<html" not in response.content.decode()
    member = dana.household.get(name="Grandma Lou")
    assert audit_events("household_member.added", client_id=dana.pk)
    response = browser.post(
        f"/clients/{dana.pk}/household/{member.pk}/remove/", headers={"HX-Request": "true"}
    )
    assert "Grandma Lou" not in response.content.decode()
    assert audit_events("household_member.removed", client_id=dana.pk)


def test_household_bad_input(personas, web, dana):
    response = web(personas.alice).post(
        f"/clients/{dana.pk}/household/", {"name": "", "relationship": "x" * 150}
    )
    assert response.status_code == 400
    assert dana.household.count() == 2


def test_household_member_of_another_client_cannot_be_removed_through_dana(personas, web, dana):
    rosa_member = personas.rosa.household.first()
    response = web(personas.alice).post(f"/clients/{dana.pk}/household/{rosa_member.pk}/remove/")
    assert response.status_code == 404
    assert HouseholdMember.objects.filter(pk=rosa_member.pk).exists()


@pytest.mark.parametrize(
    ("first", "last", "preferred", "shown"),
    [
        ("Rosa", "Hernández", "", "Rosa Hernández"),
        ("Dana", "Whitfield", "Dani", "Dani Whitfield"),
        # A preferred name written whole is shown as written, never with the surname twice.
        ("Rosa", "Hernández", "Rosa Nguyễn Hernández", "Rosa Nguyễn Hernández"),
        ("Rosa", "Hernández", "rosa hernandez", "rosa hernandez"),
        # A surname that only ends like the last name is not the last name.
        ("Ana", "Li", "Ana Lili", "Ana Lili Li"),
        ("Jo", "de la Cruz", "Jo  de la  Cruz", "Jo de la Cruz"),
    ],
)
def test_preferred_name_is_a_first_name_and_never_doubles_the_surname(
    first, last, preferred, shown
):
    client = Client(legal_first_name=first, legal_last_name=last, preferred_name=preferred)
    assert client.display_name == shown


def test_the_intake_form_says_the_preferred_name_is_a_first_name(personas, web):
    html = web(personas.alice).get("/clients/new/").content.decode()
    assert "Preferred first name" in html and "Their legal last name follows it" in html
