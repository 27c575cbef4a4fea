"""Merging duplicate records and undoing it: every linked row of every app moves and comes
back exactly; one-of-a-kind rows; field choices; scope; permissions; pages; API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import Resolver404, resolve

from strengthwise.assessments.models import (
    Concern,
    Factor,
    MotivationRecord,
    ReadinessRating,
    StrengthsAssessment,
)
from strengthwise.assessments.templates_data import template_current
from strengthwise.audit.models import AuditEvent
from strengthwise.directory.models import SavedService
from strengthwise.directory.testing import make_service
from strengthwise.people import merge
from strengthwise.people.caseload import NotAllowed
from strengthwise.people.models import Client, ClientMerge, Episode, HouseholdMember
from strengthwise.people.selectors import client_caseload, client_search
from strengthwise.people.services import client_update
from strengthwise.plans.models import Goal, Plan
from strengthwise.referrals.models import Consent, Referral

from .helpers import add_worker


def _mounted(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


needs_caseload_api = pytest.mark.skipif(
    not _mounted("/api/v1/merges/1/undo"),
    reason="strengthwise/api.py must mount the people caseload router: "
    'api.add_router("/v1/", "strengthwise.people.api.caseload_router")',
)

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def _on_the_day_this_module_read(time_machine):
    """TODAY was read when the module was imported: the clock stays on that day, so a run that
    passes midnight between collecting and running does not compare two days."""
    time_machine.move_to(dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC), tick=True)


def ownership() -> dict[tuple[str, str, Any], Any]:
    """{(model label, field, pk): client id} for every row of every model linked to Client."""
    owned = {}
    for link in merge.client_links():
        for pk, owner in link.model._base_manager.values_list("pk", link.field.attname):
            owned[(link.label, link.field.name, pk)] = owner
    return owned


class Linked:
    """Dana (the survivor) and her old duplicate record, each with rows in every app."""

    def __init__(self, personas: Any):
        self.p = personas
        s, d = personas.dana, personas.dana_duplicate
        river, alice = personas.river_city, personas.alice
        strengths = template_current(agency_id=river.pk, kind="strengths")
        motivation = template_current(agency_id=river.pk, kind="motivation")
        pantry = make_service("Food pantry")
        job_club = make_service("Job club")
        self.survivor_rows: list[Any] = []
        self.moving: list[Any] = []
        self.kept: list[Any] = []
        for client, rows in ((s, self.survivor_rows), (d, self.moving)):
            episode = client.episodes.order_by("id").first()
            plan = Plan.objects.create(
                agency=river, client=client, episode=episode, created_by=alice
            )
            goal = Goal.objects.create(
                agency=river,
                client=client,
                plan=plan,
                statement=f"A steady job ({client.pk})",
                domain="employment",
                recorded_by=alice,
            )
            concern = Concern.objects.create(agency=river, client=client, label="Smoking")
            consent = Consent.objects.create(
                agency=river,
                client=client,
                information=["contact"],
                organization=job_club.organization,
                valid_from=TODAY,
                valid_until=TODAY + dt.timedelta(days=90),
                method=Consent.Method.VERBAL,
                witness_name="Marisol",
                right_to_revoke_explained=True,
                recorded_by=alice,
            )
            rows += [
                plan,
                goal,
                concern,
                consent,
                ReadinessRating.objects.create(  # client FK with related_name="+"
                    agency=river,
                    client=client,
                    concern=concern,
                    rated_on=TODAY,
                    stage="contemplation",
                    importance=7,
                    confidence=4,
                    recorded_by=alice,
                ),
                Factor.objects.create(
                    agency=river,
                    client=client,
                    description="Sings in the church choir",
                    level="micro",
                    valence="strength",
                    domain="spirituality",
                    recorded_by=alice,
                ),
                MotivationRecord.objects.create(
                    agency=river,
                    client=client,
                    recorded_on=TODAY,
                    dreams="A home for Jayden",
                    template=motivation,
                    recorded_by=alice,
                ),
                Referral.objects.create(
                    agency=river,
                    client=client,
                    goal=goal,
                    service=job_club,
                    organization=job_club.organization,
                    consent=consent,
                    created_by=alice,
                ),
                SavedService.objects.create(
                    agency=river, client=client, service=pantry, saved_by=alice
                ),
            ]
            if client == s:
                rows.append(
                    StrengthsAssessment.objects.create(
                        agency=river, client=client, template=strengths
                    )
                )
        # The duplicate's one-of-a-kind rows the survivor also has: kept with the merged record.
        self.pantry_saved_by_duplicate = self.moving.pop()
        self.kept.append(self.pantry_saved_by_duplicate)
        self.duplicate_assessment = StrengthsAssessment.objects.create(
            agency=river, client=d, template=strengths
        )
        self.kept.append(self.duplicate_assessment)
        # ...and rows that move because the survivor has none like them.
        self.moving.append(
            SavedService.objects.create(
                agency=river, client=d, service=job_club, saved_by=alice, note="2021"
            )
        )
        self.moving += list(d.episodes.all()) + list(d.household.all())
        self.moving.append(
            HouseholdMember.objects.create(
                agency=river, client=d, name="Jayden Whitfield", relationship="son"
            )
        )
        self.survivor_rows += list(s.episodes.all()) + list(s.household.all())

    def merge(self, user: Any = None, **kwargs: Any) -> ClientMerge:
        return merge.clients_merge(
            acting_user=user or self.p.bob,
            survivor=self.p.dana,
            duplicate=self.p.dana_duplicate,
            choices=kwargs.pop("choices", {}),
            reason=kwargs.pop("reason", "Same person, taken in twice"),
            **kwargs,
        )


@pytest.fixture
def linked(personas):
    return Linked(personas)


def owner(row: Any) -> int:
    return type(row)._base_manager.filter(pk=row.pk).values_list("client_id", flat=True).get()


# --- every linked row moves, and comes back ------------------------------------------------------


def test_links_are_found_generically_including_hidden_relations():
    found = {(link.label, link.field.name) for link in merge.client_links()}
    assert {
        ("assessments.readinessrating", "client"),  # related_name="+"
        ("assessments.strengthsassessment", "client"),
        ("plans.plan", "client"),
        ("plans.goal", "client"),
        ("directory.savedservice", "client"),
        ("referrals.consent", "client"),
        ("referrals.referral", "client"),
        ("people.episode", "client"),
        ("people.householdmember", "client"),
    } <= found
    assert ("people.client", "merged_into") not in found
    assert not any(label == "people.clientmerge" for label, _ in found)


def test_merge_moves_every_linked_row_and_undo_restores_every_one(personas, linked, audit_events):
    s, d = personas.dana, personas.dana_duplicate
    before = ownership()
    record = linked.merge()

    for row in linked.moving:
        assert owner(row) == s.pk, row
    for row in linked.kept:
        assert owner(row) == d.pk, row
    for row in linked.survivor_rows:
        assert owner(row) == s.pk, row
    # Nothing else anywhere still points at the duplicate.
    after = ownership()
    left = {key for key, client_id in after.items() if client_id == d.pk}
    assert left == {(type(r)._meta.label_lower, "client", r.pk) for r in linked.kept}
    # Exactly the moved rows changed owner, and the record of them is exact.
    changed = {key for key in before if before[key] != after[key]}
    recorded = {
        (label, field, pk)
        for label, fields in record.moved.items()
        for field, pks in fields.items()
        for pk in pks
    }
    assert changed == recorded
    assert recorded == {(type(r)._meta.label_lower, "client", r.pk) for r in linked.moving}
    assert record.kept == {
        "assessments.strengthsassessment": {"client": [linked.duplicate_assessment.pk]},
        "directory.savedservice": {"client": [linked.pantry_saved_by_duplicate.pk]},
    }
    d.refresh_from_db()
    assert d.merged_into_id == s.pk  # kept, not deleted

    [event] = audit_events("client.merged", client_id=s.pk)
    assert event.actor_id == personas.bob.pk
    assert event.changes["moved"][1] == record.moved
    assert event.changes["kept"][1] == record.kept
    assert event.changes["duplicate_id"] == [None, d.pk]
    assert audit_events("client.merged_into", client_id=d.pk)

    merge.merge_undo(acting_user=personas.bob, merge=record)
    assert ownership() == before
    d.refresh_from_db()
    assert d.merged_into_id is None
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by_id == personas.bob.pk
    [undone] = audit_events("client.merge_undone", client_id=s.pk)
    assert undone.changes["moved_back"][1] == record.moved
    assert audit_events("client.unmerged", client_id=d.pk)


def test_merge_is_one_transaction(personas, linked, monkeypatch):
    before = ownership()
    events = AuditEvent.objects.count()

    def failing(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(merge, "audit_record", failing)
    with pytest.raises(RuntimeError):
        linked.merge()
    assert ownership() == before
    assert not ClientMerge.objects.exists()
    assert Client.objects.get(pk=personas.dana_duplicate.pk).merged_into_id is None
    assert AuditEvent.objects.count() == events


# --- field choices ------------------------------------------------------------------------------


def test_field_choices_are_applied_and_restored(personas, linked):
    s, d = personas.dana, personas.dana_duplicate
    preview = merge.merge_preview(acting_user=personas.bob, survivor=s, duplicate=d)
    differing = {diff.name for diff in preview.differences}
    assert {"legal_last_name", "contact_notes", "pronouns", "email"} <= differing
    assert "date_of_birth" not in differing  # the same in both
    record = linked.merge(choices={"contact_notes": "duplicate", "phone": "duplicate"})
    s.refresh_from_db()
    assert s.contact_notes == "Old intake record (2021)."
    assert s.phone == "555-201-4417"
    assert s.legal_last_name == "Whitfield"  # not chosen: the survivor's
    assert s.version == 2
    assert record.choices["contact_notes"] == "duplicate"
    assert record.choices["legal_last_name"] == "survivor"
    assert record.fields_before["survivor"]["phone"] == "(555) 201-4417"

    merge.merge_undo(acting_user=personas.bob, merge=record)
    s.refresh_from_db()
    d.refresh_from_db()
    assert s.contact_notes == "Works afternoons at the grocery store; text before noon."
    assert s.phone == "(555) 201-4417"
    assert s.phone_digits == "5552014417"
    assert d.contact_notes == "Old intake record (2021)."
    assert d.legal_last_name == "Whitfeld"


def test_undo_keeps_survivor_fields_edited_since_and_restores_the_rest(personas, linked):
    s = personas.dana
    record = linked.merge(choices={"contact_notes": "duplicate", "phone": "duplicate"})
    s.refresh_from_db()
    client_update(
        acting_user=personas.alice,
        client=s,
        version=s.version,
        fields={"phone": "555-999-0000", "pronouns": "she/they"},
    )
    undone = merge.merge_undo(acting_user=personas.bob, merge=record)
    s.refresh_from_db()
    assert s.phone == "555-999-0000"  # edited since: kept
    assert s.pronouns == "she/they"  # edited since (not part of the choice): kept
    assert s.contact_notes.startswith("Works afternoons")  # untouched: restored
    assert sorted(undone.undo_detail["kept_fields"]) == ["phone", "pronouns"]


def test_bad_choices_are_refused(personas, linked):
    for choices in ({"team": "duplicate"}, {"phone": "both"}, {"version": "survivor"}):
        with pytest.raises(merge.DomainError):
            linked.merge(choices=choices)
    with pytest.raises(merge.DomainError):
        linked.merge(reason="")
    assert not ClientMerge.objects.exists()


def test_a_confidential_address_cannot_be_taken_by_someone_who_may_not_see_it(personas):
    d = personas.dana_duplicate
    Client.objects.filter(pk=d.pk).update(
        address_confidential=True, address_line1="(shelter)", primary_worker=personas.carol
    )
    d.refresh_from_db()
    preview = merge.merge_preview(acting_user=personas.bob, survivor=personas.dana, duplicate=d)
    address = [diff for diff in preview.differences if diff.name == "address_line1"]
    assert address and address[0].hidden and address[0].duplicate == "[hidden]"
    with pytest.raises(merge.DomainError):
        merge.clients_merge(
            acting_user=personas.bob,
            survivor=personas.dana,
            duplicate=d,
            choices={"address_line1": "duplicate"},
            reason="x",
        )


# --- one-of-a-kind rows -------------------------------------------------------------------------


def test_two_open_episodes_in_one_program_refuse_the_merge_and_change_nothing(personas, linked):
    s, d = personas.dana, personas.dana_duplicate
    Episode.objects.create(
        agency=personas.river_city, client=d, program=personas.housing_program, opened_on=TODAY
    )
    before = ownership()
    preview = merge.merge_preview(acting_user=personas.bob, survivor=s, duplicate=d)
    assert preview.blockers and "Housing Stability" in preview.blockers[0]
    with pytest.raises(merge.MergeBlocked) as blocked:
        linked.merge()
    assert blocked.value.status_code == 409
    assert "Close one of them first" in blocked.value.blockers[0]
    assert ownership() == before
    assert not ClientMerge.objects.exists()
    assert Client.objects.get(pk=d.pk).merged_into_id is None


def test_open_episodes_in_different_programs_both_move(personas):
    d = personas.dana_duplicate
    family = Episode.objects.create(
        agency=personas.river_city, client=d, program=personas.family_program, opened_on=TODAY
    )
    merge.clients_merge(
        acting_user=personas.bob, survivor=personas.dana, duplicate=d, choices={}, reason="x"
    )
    assert owner(family) == personas.dana.pk


def test_a_one_of_a_kind_row_moves_when_the_survivor_has_none(personas):
    template = template_current(agency_id=personas.river_city.pk, kind="strengths")
    only = StrengthsAssessment.objects.create(
        agency=personas.river_city, client=personas.dana_duplicate, template=template
    )
    record = merge.clients_merge(
        acting_user=personas.bob,
        survivor=personas.dana,
        duplicate=personas.dana_duplicate,
        choices={},
        reason="x",
    )
    assert owner(only) == personas.dana.pk
    assert record.kept == {}
    merge.merge_undo(acting_user=personas.bob, merge=record)
    assert owner(only) == personas.dana_duplicate.pk


def test_unknown_models_refuse_by_default_and_may_opt_into_keeping(personas, linked, monkeypatch):
    link = next(lk for lk in merge.client_links() if lk.label == "assessments.strengthsassessment")
    monkeypatch.delitem(merge.ON_CONFLICT, "assessments.strengthsassessment")
    assert link.policy == merge.REFUSE
    with pytest.raises(merge.MergeBlocked) as blocked:
        linked.merge()
    assert "strengths assessment" in blocked.value.message.lower()
    monkeypatch.setattr(link.model, "merge_on_conflict", "keep", raising=False)
    assert link.policy == merge.KEEP
    linked.merge()


# --- the merged record disappears, and comes back -----------------------------------------------


def test_merged_record_leaves_search_caseload_pages_and_api_then_comes_back(
    personas, linked, web, api
):
    d = personas.dana_duplicate
    alice = personas.alice

    def visible() -> dict[str, bool]:
        return {
            "search": d.pk in {c.pk for c in client_search(visible_to=alice, query="Whitfeld")},
            "dob": d.pk in {c.pk for c in client_search(visible_to=alice, query="1992-04-17")},
            "caseload": d.pk in {c.pk for c in client_caseload(visible_to=alice, scope="team")},
            "page": web(alice).get(f"/clients/{d.pk}/").status_code == 200,
            "api": api(alice).get(f"/api/v1/clients/{d.pk}").status_code == 200,
            "api list": d.pk
            in {i["id"] for i in api(alice).get("/api/v1/clients").json()["items"]},
        }

    assert all(visible().values())
    record = linked.merge()
    assert not any(visible().values()), visible()
    assert api(alice).get(f"/api/v1/clients/{d.pk}").status_code == 404
    merge.merge_undo(acting_user=personas.bob, merge=record)
    assert all(visible().values())


def test_intake_duplicate_check_ignores_merged_records(personas, linked):
    from strengthwise.people.duplicates import PersonKey
    from strengthwise.people.selectors import client_duplicate_candidates

    linked.merge()
    found = client_duplicate_candidates(
        agency_id=personas.river_city.pk,
        key=PersonKey("Dana", "Whitfield", dt.date(1992, 4, 17)),
    )
    assert personas.dana_duplicate.pk not in {m.client.pk for m in found}


# --- undo refusals ------------------------------------------------------------------------------


def test_undo_is_refused_when_rows_added_since_would_be_split(personas, linked):
    record = linked.merge()
    plan = next(r for r in linked.moving if isinstance(r, Plan))
    Goal.objects.create(
        agency=personas.river_city,
        client=personas.dana,
        plan=plan,  # the duplicate's old plan, now on Dana's record
        statement="Added after the merge",
        domain="housing",
        recorded_by=personas.alice,
    )
    before = ownership()
    with pytest.raises(merge.DomainError) as refused:
        merge.merge_undo(acting_user=personas.bob, merge=record)
    assert "goals" in refused.value.message
    assert ownership() == before
    record.refresh_from_db()
    assert record.undone_at is None


def test_undo_skips_rows_deleted_since(personas, linked):
    record = linked.merge()
    factor = next(r for r in linked.moving if isinstance(r, Factor))
    Factor.objects.filter(pk=factor.pk).delete()
    undone = merge.merge_undo(acting_user=personas.bob, merge=record)
    assert undone.undo_detail["missing"] == {"assessments.factor": {"client": [factor.pk]}}
    for row in linked.moving:
        if row is not factor:
            assert owner(row) == personas.dana_duplicate.pk


def test_undo_twice_and_undo_after_a_later_merge_are_refused(personas, linked):
    record = linked.merge()
    other = add_worker(personas, "zed", personas.housing)
    third = Client.objects.create(
        agency=personas.river_city,
        team=personas.housing,
        primary_worker=other,
        legal_first_name="Dana",
        legal_last_name="W.",
    )
    later = merge.clients_merge(
        acting_user=personas.bob,
        survivor=third,
        duplicate=personas.dana,
        choices={},
        reason="x",
    )
    with pytest.raises(merge.DomainError) as refused:
        merge.merge_undo(acting_user=personas.bob, merge=record)
    assert "Undo that merge first" in refused.value.message
    merge.merge_undo(acting_user=personas.bob, merge=later)
    merge.merge_undo(acting_user=personas.bob, merge=record)
    with pytest.raises(merge.DomainError):
        merge.merge_undo(acting_user=personas.bob, merge=record)


# --- who may ------------------------------------------------------------------------------------


def test_merge_permissions(personas, linked):
    s = personas.dana
    for who in ("alice", "carol", "priya", "mallory"):
        with pytest.raises(NotAllowed):
            linked.merge(user=getattr(personas, who))
    fran = add_worker(personas, "fran", personas.family, role="supervisor", kind="supervisor")
    with pytest.raises(NotAllowed):
        linked.merge(user=fran)
    with pytest.raises(merge.DomainError):  # across agencies
        merge.clients_merge(
            acting_user=personas.bob,
            survivor=s,
            duplicate=personas.mallory_client,
            choices={},
            reason="x",
        )
    with pytest.raises(merge.DomainError):
        merge.clients_merge(
            acting_user=personas.bob, survivor=s, duplicate=s, choices={}, reason="x"
        )
    record = linked.merge(user=personas.admin)
    with pytest.raises(NotAllowed):
        merge.merge_undo(acting_user=personas.alice, merge=record)
    merge.merge_undo(acting_user=personas.admin, merge=record)


# --- pages ---------------------------------------------------------------------------------------


def test_merge_flow_in_the_pages(personas, linked, web, audit_events):
    s, d = personas.dana, personas.dana_duplicate
    bob = web(personas.bob)
    face = bob.get(f"/clients/{s.pk}/").content.decode()
    assert f"/clients/{s.pk}/merge/?duplicate={d.pk}" in face  # the duplicate warning
    choose = bob.get(f"/clients/{s.pk}/merge/")
    assert choose.status_code == 200 and "Whitfeld" in choose.content.decode()
    compare = bob.get(f"/clients/{s.pk}/merge/?duplicate={d.pk}")
    html = compare.content.decode()
    assert compare.status_code == 200
    assert audit_events("client.viewed", client_id=d.pk, actor_id=personas.bob.pk)
    assert 'name="choice_contact_notes"' in html and "Old intake record (2021)." in html
    assert "Kept with the merged record" in html
    response = bob.post(
        f"/clients/{s.pk}/merge/?duplicate={d.pk}",
        {
            "duplicate": d.pk,
            "choice_contact_notes": "duplicate",
            "choice_legal_last_name": "survivor",
            "reason": "Same person",
        },
    )
    assert response.status_code == 302
    record = ClientMerge.objects.get()
    assert response["Location"] == f"/clients/{s.pk}/merges/{record.pk}/"
    assert Client.objects.get(pk=s.pk).contact_notes == "Old intake record (2021)."
    detail = bob.get(response["Location"]).content.decode()
    assert "Undo merge" in detail and "Kept with the merged record" in detail
    face = bob.get(f"/clients/{s.pk}/").content.decode()
    assert f"/clients/{s.pk}/merges/{record.pk}/undo/" in face
    undo = bob.post(f"/clients/{s.pk}/merges/{record.pk}/undo/")
    assert undo.status_code == 302
    assert Client.objects.get(pk=d.pk).merged_into_id is None
    assert audit_events("client.merge_undone")
    again = bob.post(f"/clients/{s.pk}/merges/{record.pk}/undo/")
    assert again.status_code == 400
    assert "already been undone" in again.content.decode()


def test_merge_page_shows_blockers_and_refuses(personas, linked, web):
    s, d = personas.dana, personas.dana_duplicate
    Episode.objects.create(
        agency=personas.river_city, client=d, program=personas.housing_program, opened_on=TODAY
    )
    bob = web(personas.bob)
    page = bob.get(f"/clients/{s.pk}/merge/?duplicate={d.pk}").content.decode()
    assert "Resolve these first" in page and "Housing Stability" in page
    response = bob.post(
        f"/clients/{s.pk}/merge/?duplicate={d.pk}", {"duplicate": d.pk, "reason": "x"}
    )
    assert response.status_code == 409
    assert not ClientMerge.objects.exists()


def test_merge_page_bad_input(personas, linked, web):
    s, d = personas.dana, personas.dana_duplicate
    bob = web(personas.bob)
    assert bob.get(f"/clients/{s.pk}/merge/?duplicate=abc").status_code == 400
    assert bob.get(f"/clients/{s.pk}/merge/?duplicate={s.pk}").status_code == 400
    assert bob.get(f"/clients/{s.pk}/merge/?duplicate=99999999").status_code == 404
    assert (
        bob.get(f"/clients/{s.pk}/merge/?duplicate={personas.mallory_client.pk}").status_code == 404
    )
    for data in (
        {"duplicate": d.pk, "reason": ""},
        {"duplicate": d.pk, "reason": "x", "choice_phone": "both"},
    ):
        response = bob.post(f"/clients/{s.pk}/merge/", data)
        assert response.status_code == 400, data
    assert not ClientMerge.objects.exists()


def test_alice_is_told_why_and_carol_and_mallory_get_404_on_every_merge_page(personas, linked, web):
    s, d = personas.dana, personas.dana_duplicate
    record = linked.merge()
    alice = web(personas.alice)
    assert alice.get(f"/clients/{s.pk}/merge/").status_code == 403
    assert alice.get(f"/clients/{s.pk}/merge/?duplicate={d.pk}").status_code == 403
    assert alice.post(f"/clients/{s.pk}/merges/{record.pk}/undo/").status_code == 403
    detail = alice.get(f"/clients/{s.pk}/merges/{record.pk}/")
    assert detail.status_code == 200  # she sees the history of a record she works with...
    assert "Undo merge" not in detail.content.decode()  # ...but may not undo it
    paths = [
        f"/clients/{s.pk}/merge/",
        f"/clients/{s.pk}/merge/?duplicate={d.pk}",
        f"/clients/{s.pk}/merges/{record.pk}/",
    ]
    for who in ("carol", "mallory", "priya"):
        browser = web(getattr(personas, who))
        for path in paths:
            assert browser.get(path).status_code == 404, (who, path)
        assert browser.post(f"/clients/{s.pk}/merges/{record.pk}/undo/").status_code == 404
        assert (
            browser.post(f"/clients/{s.pk}/merge/", {"duplicate": d.pk, "reason": "x"}).status_code
            == 404
        )
    assert (
        web(personas.bob).get(f"/clients/{personas.rosa.pk}/merges/{record.pk}/").status_code == 404
    )
    assert Client.objects.get(pk=d.pk).merged_into_id == s.pk


# --- API ---------------------------------------------------------------------------------------


def test_api_merge_preview_and_merge(personas, linked, api, audit_events):
    s, d = personas.dana, personas.dana_duplicate
    bob = api(personas.bob)
    preview = bob.get(f"/api/v1/clients/{s.pk}/merge?duplicate_id={d.pk}")
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert "referrals.referral" in body["moving"] and body["blockers"] == []
    assert any(x["field"] == "contact_notes" for x in body["differences"])
    response = bob.post(
        f"/api/v1/clients/{s.pk}/merge",
        {"duplicate_id": d.pk, "choices": {"contact_notes": "duplicate"}, "reason": "same"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["choices"]["contact_notes"] == "duplicate"
    assert api(personas.alice).get(f"/api/v1/clients/{d.pk}").status_code == 404
    assert audit_events("client.merged")


def test_api_merge_refusals(personas, linked, api):
    s, d = personas.dana, personas.dana_duplicate
    url = f"/api/v1/clients/{s.pk}/merge"
    body = {"duplicate_id": d.pk, "reason": "x"}
    alice = api(personas.alice).post(url, body)
    assert alice.status_code == 403 and "supervisor" in alice.json()["detail"]
    for who in ("carol", "mallory", "priya"):
        assert api(getattr(personas, who)).post(url, body).status_code == 404, who
        assert api(getattr(personas, who)).get(f"{url}?duplicate_id={d.pk}").status_code == 404
    bob = api(personas.bob)
    assert bob.post(url, {**body, "choices": {"team": "duplicate"}}).status_code == 400
    assert bob.post(url, {**body, "reason": ""}).status_code == 422
    assert bob.post(url, {"reason": "x"}).status_code == 422
    assert bob.post(url, {**body, "duplicate_id": personas.mallory_client.pk}).status_code == 404
    Episode.objects.create(
        agency=personas.river_city, client=d, program=personas.housing_program, opened_on=TODAY
    )
    blocked = bob.post(url, body)
    assert blocked.status_code == 409 and blocked.json()["blockers"]
    assert not ClientMerge.objects.exists()


@needs_caseload_api
def test_api_undo(personas, linked, api):
    record = linked.merge()
    url = f"/api/v1/merges/{record.pk}/undo"
    assert api(personas.alice).post(url, {}).status_code == 403
    for who in ("carol", "mallory", "priya"):
        assert api(getattr(personas, who)).post(url, {}).status_code == 404, who
    assert api(personas.bob).post("/api/v1/merges/abc/undo", {}).status_code == 404
    response = api(personas.admin).post(url, {})
    assert response.status_code == 200, response.content
    assert response.json()["undone_at"]
    assert api(personas.admin).post(url, {}).status_code == 400
    assert (
        api(personas.alice).get(f"/api/v1/clients/{personas.dana_duplicate.pk}").status_code == 200
    )


def test_the_merge_record_keeps_both_records_fields_sealed(personas, linked):
    """ClientMerge.fields_before holds both records' dates of birth and addresses, which the
    records themselves keep sealed: it is sealed too, and undo still reads it."""
    from django.db import connection

    from strengthwise.core import crypto

    s = personas.dana
    record = linked.merge(choices={})
    with connection.cursor() as cursor:
        cursor.execute("SELECT fields_before FROM people_clientmerge WHERE id = %s", [record.pk])
        stored = cursor.fetchone()[0]
    assert crypto.is_sealed(stored)
    assert "1992-04-17" not in stored and "Whitfield" not in stored
    record.refresh_from_db()
    assert record.fields_before["survivor"]["date_of_birth"] == "1992-04-17"
    merge.merge_undo(acting_user=personas.bob, merge=record)
    s.refresh_from_db()
    assert s.date_of_birth == dt.date(1992, 4, 17) and s.merged_into is None
