"""Transfer one client, reassign a departing worker's caseload: who may, balance, one
transaction with an optimistic check, audit, pages, API, pinned queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from strengthwise.accounts.access import can_see_confidential_address
from strengthwise.audit.models import AuditEvent
from strengthwise.outcomes import snapshots
from strengthwise.people import caseload
from strengthwise.people.models import Client

from .helpers import add_clients, add_worker


def _mounted(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


needs_caseload_api = pytest.mark.skipif(
    not _mounted("/api/v1/caseloads/reassign"),
    reason="strengthwise/api.py must mount the people caseload router: "
    'api.add_router("/v1/", "strengthwise.people.api.caseload_router")',
)


@pytest.fixture
def team(personas):
    """Two more Housing Stability workers: jamal (empty caseload) and lena (two clients)."""
    jamal = add_worker(personas, "jamal", personas.housing)
    lena = add_worker(personas, "lena", personas.housing)
    add_clients(personas, 2, worker=lena, start=500)
    return jamal, lena


def owners(clients):
    return {
        c.pk: c.primary_worker_id for c in Client.objects.filter(pk__in=[x.pk for x in clients])
    }


# --- the balanced, deterministic plan -----------------------------------------------------------


def test_preview_balances_by_caseload_size_and_is_deterministic(personas, team):
    jamal, lena = team
    extra = add_clients(personas, 6)  # alice: Dana, Rosa + 6 = 8 clients
    plan = caseload.reassignment_preview(
        acting_user=personas.bob, from_worker=personas.alice, to_workers=[lena, jamal]
    )
    moved = {c.pk for c, _ in plan}
    assert moved == {personas.dana.pk, personas.rosa.pk, *(c.pk for c in extra)}
    given = {jamal.pk: 0, lena.pk: 0}
    for _client, worker in plan:
        given[worker.pk] += 1
    # jamal starts at 0, lena at 2: jamal catches up first, then they alternate -> 5 and 3.
    assert given == {jamal.pk: 5, lena.pk: 3}
    assert abs((0 + given[jamal.pk]) - (2 + given[lena.pk])) <= 1
    # In name order, and the same data gives the same plan.
    names = [(c.legal_last_name, c.legal_first_name) for c, _ in plan]
    assert names == sorted(names)
    again = caseload.reassignment_preview(
        acting_user=personas.bob, from_worker=personas.alice, to_workers=[jamal, lena]
    )
    assert [(c.pk, w.pk) for c, w in again] == [(c.pk, w.pk) for c, w in plan]
    # A preview writes nothing.
    assert all(w == personas.alice.pk for w in owners([c for c, _ in plan]).values())


def test_preview_of_chosen_clients_only(personas, team):
    jamal, _lena = team
    plan = caseload.reassignment_preview(
        acting_user=personas.bob,
        from_worker=personas.alice,
        to_workers=[jamal],
        clients=[personas.rosa],
    )
    assert [(c.pk, w.pk) for c, w in plan] == [(personas.rosa.pk, jamal.pk)]
    with pytest.raises(caseload.DomainError):
        caseload.reassignment_preview(
            acting_user=personas.bob,
            from_worker=personas.alice,
            to_workers=[jamal],
            clients=[personas.carol_client],  # not alice's
        )


@pytest.mark.parametrize("who", ["alice", "carol", "priya", "mallory"])
def test_only_supervisors_and_admins_preview(personas, team, who):
    jamal, _ = team
    with pytest.raises(caseload.NotAllowed):
        caseload.reassignment_preview(
            acting_user=getattr(personas, who), from_worker=personas.alice, to_workers=[jamal]
        )


def test_receivers_must_be_workers_on_the_actors_teams(personas, team):
    jamal, _ = team
    outsider = add_worker(personas, "drifter")  # no team
    for bad in ([outsider], [personas.mallory], [personas.priya], [personas.alice], []):
        with pytest.raises(caseload.DomainError):
            caseload.reassignment_preview(
                acting_user=personas.bob, from_worker=personas.alice, to_workers=bad
            )


# --- applying the plan ----------------------------------------------------------------------


def test_apply_moves_exactly_the_planned_clients_with_audit(personas, team, audit_events):
    jamal, lena = team
    add_clients(personas, 3)
    untouched = [personas.carol_client, personas.dana_duplicate, personas.mallory_client]
    before_untouched = owners(untouched)
    plan = caseload.reassignment_preview(
        acting_user=personas.bob, from_worker=personas.alice, to_workers=[jamal, lena]
    )
    moved = caseload.reassignment_apply(
        acting_user=personas.bob, plan=plan, reason="Alice moves to the intake team"
    )
    assert {c.pk for c in moved} == {c.pk for c, _ in plan}
    assert owners([c for c, _ in plan]) == {c.pk: w.pk for c, w in plan}
    assert owners(untouched) == before_untouched
    assert not Client.objects.filter(primary_worker=personas.alice).exists()

    events = audit_events("client.reassigned")
    assert {e.client_id for e in events} == {c.pk for c, _ in plan}
    dana_event = next(e for e in events if e.client_id == personas.dana.pk)
    to = dict(plan)[next(c for c in dict(plan) if c.pk == personas.dana.pk)]
    assert dana_event.changes["primary_worker_id"] == [personas.alice.pk, to.pk]
    assert dana_event.changes["team"] == ["Housing Stability", "Housing Stability"]
    assert dana_event.changes["reason"][1] == "Alice moves to the intake team"
    assert dana_event.actor_id == personas.bob.pk
    [summary] = audit_events("caseload.reassigned")
    assert summary.changes["clients"][1] == len(plan)
    assert sorted(summary.changes["client_ids"][1]) == sorted(c.pk for c, _ in plan)


def test_a_stale_preview_changes_nothing(personas, team, audit_events):
    jamal, lena = team
    add_clients(personas, 4)
    plan = caseload.reassignment_preview(
        acting_user=personas.bob, from_worker=personas.alice, to_workers=[jamal, lena]
    )
    # Someone moves Rosa to carol's team in the meantime.
    caseload.client_transfer(
        acting_user=personas.bob, client=personas.rosa, to_worker=personas.carol, reason="asked"
    )
    before = owners([c for c, _ in plan])
    events_before = AuditEvent.objects.count()
    with pytest.raises(caseload.StalePlan) as stale:
        caseload.reassignment_apply(acting_user=personas.bob, plan=plan, reason="leaving")
    assert stale.value.status_code == 409
    assert stale.value.current == {str(personas.rosa.pk): personas.carol.pk}
    assert owners([c for c, _ in plan]) == before  # nobody moved, not even the fresh ones
    assert AuditEvent.objects.count() == events_before
    assert audit_events("caseload.reassigned") == []


def test_apply_is_one_transaction(personas, team, monkeypatch):
    """A failure half-way (the audit write of the third client) leaves every client in place."""
    jamal, lena = team
    add_clients(personas, 4)
    plan = caseload.reassignment_preview(
        acting_user=personas.bob, from_worker=personas.alice, to_workers=[jamal, lena]
    )
    real = caseload.audit_record
    calls = {"n": 0}

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(caseload, "audit_record", failing)
    with pytest.raises(RuntimeError):
        caseload.reassignment_apply(acting_user=personas.bob, plan=plan, reason="leaving")
    assert set(owners([c for c, _ in plan]).values()) == {personas.alice.pk}


def test_apply_needs_a_reason_and_a_plan(personas, team):
    jamal, _ = team
    plan = caseload.reassignment_preview(
        acting_user=personas.bob, from_worker=personas.alice, to_workers=[jamal]
    )
    with pytest.raises(caseload.ValidationFailed):
        caseload.reassignment_apply(acting_user=personas.bob, plan=plan, reason="  ")
    with pytest.raises(caseload.DomainError):
        caseload.reassignment_apply(acting_user=personas.bob, plan=[], reason="x")
    with pytest.raises(caseload.NotAllowed):
        caseload.reassignment_apply(acting_user=personas.alice, plan=plan, reason="x")


# --- transfer: who may ----------------------------------------------------------------------


def test_transfer_permission_matrix(personas, team):
    jamal, _ = team
    dana = personas.dana
    with pytest.raises(caseload.NotAllowed):
        caseload.client_transfer(
            acting_user=personas.alice, client=dana, to_worker=jamal, reason="x"
        )
    for who in ("carol", "priya", "mallory"):
        with pytest.raises(caseload.NotAllowed):
            caseload.client_transfer(
                acting_user=getattr(personas, who), client=dana, to_worker=jamal, reason="x"
            )
    caseload.client_transfer(acting_user=personas.bob, client=dana, to_worker=jamal, reason="x")
    assert Client.objects.get(pk=dana.pk).primary_worker_id == jamal.pk
    caseload.client_transfer(
        acting_user=personas.admin, client=dana, to_worker=personas.alice, reason="back"
    )
    assert Client.objects.get(pk=dana.pk).primary_worker_id == personas.alice.pk


def test_supervisor_only_for_the_teams_they_supervise(personas):
    # A second supervisor who supervises Family Support only.
    fran = add_worker(personas, "fran", personas.family, role="supervisor", kind="supervisor")
    with pytest.raises(caseload.NotAllowed):
        caseload.client_transfer(
            acting_user=fran, client=personas.dana, to_worker=personas.carol, reason="x"
        )
    # ...and only to workers on those teams.
    with pytest.raises(caseload.DomainError):
        caseload.client_transfer(
            acting_user=fran,
            client=personas.carol_client,
            to_worker=personas.alice,
            reason="x",
        )


def test_transfer_to_another_team_moves_the_team_and_the_confidential_address(personas):
    keisha = personas.carol_client  # Family Support, confidential address, carol's
    assert keisha.address_confidential
    caseload.client_transfer(
        acting_user=personas.bob, client=keisha, to_worker=personas.alice, reason="language"
    )
    keisha.refresh_from_db()
    assert keisha.primary_worker_id == personas.alice.pk
    assert keisha.team_id == personas.housing.pk  # alice's only team
    assert can_see_confidential_address(personas.alice, keisha)
    assert not can_see_confidential_address(personas.carol, keisha)
    assert not can_see_confidential_address(personas.bob, keisha)


def test_transfer_keeps_the_team_when_the_worker_belongs_to_it_or_takes_the_chosen_one(
    personas,
):
    both = add_worker(personas, "sam", personas.housing, personas.family)
    caseload.client_transfer(
        acting_user=personas.bob, client=personas.dana, to_worker=both, reason="x"
    )
    assert Client.objects.get(pk=personas.dana.pk).team_id == personas.housing.pk
    caseload.client_transfer(
        acting_user=personas.bob,
        client=personas.dana,
        to_worker=both,
        to_team=personas.family,
        reason="x",
    )
    assert Client.objects.get(pk=personas.dana.pk).team_id == personas.family.pk
    with pytest.raises(caseload.DomainError):  # nothing would change
        caseload.client_transfer(
            acting_user=personas.bob, client=personas.dana, to_worker=both, reason="x"
        )
    with pytest.raises(caseload.DomainError):  # alice is not on Family Support
        caseload.client_transfer(
            acting_user=personas.bob,
            client=personas.dana,
            to_worker=personas.alice,
            to_team=personas.family,
            reason="x",
        )


# --- pages ------------------------------------------------------------------------------------


def test_transfer_page_for_bob(personas, team, web, audit_events):
    jamal, _ = team
    browser = web(personas.bob)
    dana = personas.dana
    page = browser.get(f"/clients/{dana.pk}/")
    assert f"/clients/{dana.pk}/transfer/" in page.content.decode()
    form = browser.get(f"/clients/{dana.pk}/transfer/")
    assert form.status_code == 200
    assert "Jamal" in form.content.decode()
    response = browser.post(
        f"/clients/{dana.pk}/transfer/", {"to_worker": jamal.pk, "reason": "Alice on leave"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{dana.pk}/"
    assert Client.objects.get(pk=dana.pk).primary_worker_id == jamal.pk
    [event] = audit_events("client.reassigned", client_id=dana.pk)
    assert event.actor_id == personas.bob.pk
    assert event.changes["reason"] == [None, "Alice on leave"]
    assert event.ip == "127.0.0.1"


def test_transfer_page_bad_input_is_a_form_error(personas, team, web):
    jamal, _ = team
    browser = web(personas.bob)
    url = f"/clients/{personas.dana.pk}/transfer/"
    for data in (
        {"to_worker": jamal.pk, "reason": ""},
        {"to_worker": "abc", "reason": "x"},
        {"to_worker": personas.mallory.pk, "reason": "x"},
        {"to_worker": jamal.pk, "to_team": personas.eastgate_team.pk, "reason": "x"},
        {"to_worker": jamal.pk, "reason": "x" * 501},
    ):
        response = browser.post(url, data)
        assert response.status_code == 400, data
        assert "Please check the form" in response.content.decode()
    assert Client.objects.get(pk=personas.dana.pk).primary_worker_id == personas.alice.pk


def test_transfer_page_alice_is_told_why_others_get_404(personas, team, web):
    url = f"/clients/{personas.dana.pk}/transfer/"
    alice = web(personas.alice)
    response = alice.get(url)
    assert response.status_code == 403
    assert "supervisor" in response.content.decode()
    assert alice.post(url, {"to_worker": team[0].pk, "reason": "x"}).status_code == 403
    assert f"/clients/{personas.dana.pk}/transfer/" not in (
        alice.get(f"/clients/{personas.dana.pk}/").content.decode()
    )
    for who in ("carol", "mallory", "priya"):
        browser = web(getattr(personas, who))
        assert browser.get(url).status_code == 404, who
        assert browser.post(url, {"to_worker": team[0].pk, "reason": "x"}).status_code == 404
    assert web().get(url).status_code == 302  # sign in first
    assert Client.objects.get(pk=personas.dana.pk).primary_worker_id == personas.alice.pk


def test_admin_transfers_from_the_page_and_lands_on_the_reassignment_page(personas, team, web):
    jamal, _ = team
    response = web(personas.admin).post(
        f"/clients/{personas.dana.pk}/transfer/", {"to_worker": jamal.pk, "reason": "x"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/clients/reassign/"
    assert Client.objects.get(pk=personas.dana.pk).primary_worker_id == jamal.pk


def test_reassign_page_preview_with_and_without_htmx_then_confirm(personas, team, web):
    jamal, lena = team
    browser = web(personas.bob)
    assert browser.get("/clients/reassign/").status_code == 200
    query = f"/clients/reassign/?from_worker={personas.alice.pk}&to_workers={jamal.pk}&to_workers={lena.pk}"
    full = browser.get(query)
    html = full.content.decode()
    assert full.status_code == 200 and "<html" in html
    assert "Dana Whitfield" in html and "Reassign 2 clients" in html
    partial = browser.get(query, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert "Dana Whitfield" in partial.content.decode()
    plan = caseload.reassignment_preview(
        acting_user=personas.bob, from_worker=personas.alice, to_workers=[jamal, lena]
    )
    moves = [f"{c.pk}:{personas.alice.pk}:{w.pk}" for c, w in plan]
    response = browser.post(
        "/clients/reassign/",
        {
            "from_worker": personas.alice.pk,
            "to_workers": [jamal.pk, lena.pk],
            "move": moves,
            "reason": "Alice leaves",
        },
    )
    assert response.status_code == 302
    assert owners([c for c, _ in plan]) == {c.pk: w.pk for c, w in plan}


def test_reassign_page_stale_confirm_is_a_409_with_a_fresh_plan(personas, team, web):
    jamal, lena = team
    browser = web(personas.bob)
    plan = caseload.reassignment_preview(
        acting_user=personas.bob, from_worker=personas.alice, to_workers=[jamal, lena]
    )
    moves = [f"{c.pk}:{personas.alice.pk}:{w.pk}" for c, w in plan]
    caseload.client_transfer(
        acting_user=personas.bob, client=personas.rosa, to_worker=lena, reason="x"
    )
    response = browser.post(
        "/clients/reassign/",
        {
            "from_worker": personas.alice.pk,
            "to_workers": [jamal.pk, lena.pk],
            "move": moves,
            "reason": "Alice leaves",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed worker since the preview" in html
    assert "Reassign 1 client" in html  # the fresh plan: only Dana is still alice's
    assert Client.objects.get(pk=personas.dana.pk).primary_worker_id == personas.alice.pk


def test_reassign_page_bad_input(personas, team, web):
    jamal, _ = team
    browser = web(personas.bob)
    for query in (
        "?from_worker=abc&to_workers=1",
        f"?from_worker={personas.alice.pk}",
        f"?from_worker={personas.alice.pk}&to_workers={personas.alice.pk}",
        f"?from_worker={personas.mallory.pk}&to_workers={jamal.pk}",
    ):
        assert browser.get(f"/clients/reassign/{query}").status_code == 400, query
        # htmx swaps only 2xx answers, so the preview part says what is wrong with a 200.
        partial = browser.get(f"/clients/reassign/{query}", headers={"HX-Request": "true"})
        assert partial.status_code == 200 and "Please check the form" in partial.content.decode()
    for data in (
        {"move": ["1:2"], "reason": "x"},
        {"move": ["x:y:z"], "reason": "x"},
        {"move": [], "reason": "x"},
        {"move": [f"{personas.carol_client.pk}:{personas.carol.pk}:{jamal.pk}"], "reason": ""},
        {"move": [f"{personas.mallory_client.pk}:{personas.mallory.pk}:{jamal.pk}"], "reason": "x"},
    ):
        assert browser.post("/clients/reassign/", data).status_code == 400, data
    assert Client.objects.get(pk=personas.mallory_client.pk).primary_worker_id == (
        personas.mallory.pk
    )
    assert Client.objects.get(pk=personas.carol_client.pk).primary_worker_id == personas.carol.pk


@pytest.mark.parametrize("who", ["alice", "carol", "mallory", "priya"])
def test_reassign_page_is_404_for_everyone_else(personas, team, web, who):
    browser = web(getattr(personas, who))
    assert browser.get("/clients/reassign/").status_code == 404
    query = f"?from_worker={personas.alice.pk}&to_workers={team[0].pk}"
    assert browser.get(f"/clients/reassign/{query}").status_code == 404
    move = f"{personas.dana.pk}:{personas.alice.pk}:{team[0].pk}"
    assert browser.post("/clients/reassign/", {"move": [move], "reason": "x"}).status_code == 404
    assert Client.objects.get(pk=personas.dana.pk).primary_worker_id == personas.alice.pk


def test_reassign_preview_page_query_count_is_constant(personas, team, web):
    jamal, lena = team
    browser = web(personas.bob)
    browser.get("/clients/")
    query = f"/clients/reassign/?from_worker={personas.alice.pk}&to_workers={jamal.pk}&to_workers={lena.pk}"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = browser.get(query)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    before = count()
    add_clients(personas, 40)
    # The writes above run inside the test's transaction, which never commits: raise the
    # report version now, as the commit of a real request would (outcomes/snapshots.py), so
    # that the next page does not pay for it.
    snapshots.flush()
    assert count() == before == REASSIGN_PREVIEW_QUERIES


# session (2), supervised teams (1), departing and receiving workers (2), the preview (3),
# the plan's teams (2), session save (3), the audit of the clients previewed (5)
REASSIGN_PREVIEW_QUERIES = 18


# --- API --------------------------------------------------------------------------------------


def test_api_transfer(personas, team, api, audit_events):
    jamal, _ = team
    url = f"/api/v1/clients/{personas.dana.pk}/transfer"
    response = api(personas.bob).post(url, {"to_worker_id": jamal.pk, "reason": "leave"})
    assert response.status_code == 200, response.content
    assert response.json()["primary_worker"] == "jamal"
    assert audit_events("client.reassigned", client_id=personas.dana.pk)


def test_api_transfer_refusals(personas, team, api):
    jamal, _ = team
    url = f"/api/v1/clients/{personas.dana.pk}/transfer"
    alice = api(personas.alice).post(url, {"to_worker_id": jamal.pk, "reason": "x"})
    assert alice.status_code == 403
    assert "supervisor" in alice.json()["detail"]
    for who in ("carol", "mallory", "priya"):
        response = api(getattr(personas, who)).post(url, {"to_worker_id": jamal.pk, "reason": "x"})
        assert response.status_code == 404, who
    bob = api(personas.bob)
    assert bob.post(url, {"to_worker_id": personas.mallory.pk, "reason": "x"}).status_code == 400
    assert bob.post(url, {"to_worker_id": 10**12, "reason": "x"}).status_code == 400
    assert bob.post(url, {"to_worker_id": jamal.pk, "reason": ""}).status_code in (400, 422)
    assert bob.post(url, {"reason": "x"}).status_code == 422
    assert (
        bob.post(
            url, {"to_worker_id": jamal.pk, "to_team_id": personas.eastgate_team.pk, "reason": "x"}
        ).status_code
        == 400
    )
    assert (
        bob.post("/api/v1/clients/abc/transfer", {"to_worker_id": 1, "reason": "x"}).status_code
        == 404
    )
    assert Client.objects.get(pk=personas.dana.pk).primary_worker_id == personas.alice.pk


@needs_caseload_api
def test_api_reassign_preview_then_apply(personas, team, api, audit_events):
    jamal, lena = team
    bob = api(personas.bob)
    body = {"from_worker_id": personas.alice.pk, "to_worker_ids": [jamal.pk, lena.pk]}
    preview = bob.post("/api/v1/caseloads/reassign", {**body, "preview": True})
    assert preview.status_code == 200, preview.content
    moves = preview.json()["moves"]
    assert {m["client_id"] for m in moves} == {personas.dana.pk, personas.rosa.pk}
    assert Client.objects.get(pk=personas.dana.pk).primary_worker_id == personas.alice.pk
    plan = [{k: m[k] for k in ("client_id", "from_worker_id", "to_worker_id")} for m in moves]
    applied = bob.post(
        "/api/v1/caseloads/reassign", {"preview": False, "plan": plan, "reason": "leaving"}
    )
    assert applied.status_code == 200, applied.content
    assert applied.json()["count"] == 2
    assert owners([personas.dana, personas.rosa]) == {
        m["client_id"]: m["to_worker_id"] for m in moves
    }
    assert len(audit_events("caseload.reassigned")) == 1
    # Sending the same plan again: every client changed worker since, nothing happens.
    again = bob.post(
        "/api/v1/caseloads/reassign", {"preview": False, "plan": plan, "reason": "leaving"}
    )
    assert again.status_code == 409
    assert len(audit_events("caseload.reassigned")) == 1


@needs_caseload_api
def test_api_reassign_refusals(personas, team, api):
    jamal, _ = team
    body = {"from_worker_id": personas.alice.pk, "to_worker_ids": [jamal.pk], "preview": True}
    for who in ("alice", "carol", "mallory", "priya"):
        assert (
            api(getattr(personas, who)).post("/api/v1/caseloads/reassign", body).status_code == 404
        )
    bob = api(personas.bob)
    assert bob.post("/api/v1/caseloads/reassign", {"preview": True}).status_code == 400
    assert (
        bob.post("/api/v1/caseloads/reassign", {"preview": False, "reason": "x"}).status_code == 400
    )
    assert (
        bob.post(
            "/api/v1/caseloads/reassign",
            {**body, "to_worker_ids": [personas.mallory.pk]},
        ).status_code
        == 400
    )
    assert bob.post("/api/v1/caseloads/reassign", {"preview": "maybe"}).status_code == 422
    plan = [
        {
            "client_id": personas.mallory_client.pk,
            "from_worker_id": personas.mallory.pk,
            "to_worker_id": jamal.pk,
        }
    ]
    response = bob.post(
        "/api/v1/caseloads/reassign", {"preview": False, "plan": plan, "reason": "x"}
    )
    assert response.status_code == 400
    assert Client.objects.get(pk=personas.mallory_client.pk).primary_worker_id == (
        personas.mallory.pk
    )


def test_caseload_page_links_managers_to_the_reassignment_page(personas, web):
    assert "/clients/reassign/" in web(personas.bob).get("/clients/").content.decode()
    assert "/clients/reassign/" in web(personas.admin).get("/clients/").content.decode()
    assert "/clients/reassign/" not in web(personas.alice).get("/clients/").content.decode()


def test_admin_reassigns_across_the_agency(personas, team, web):
    jamal, _ = team
    browser = web(personas.admin)
    query = f"?from_worker={personas.carol.pk}&to_workers={jamal.pk}"
    page = browser.get(f"/clients/reassign/{query}")
    assert page.status_code == 200 and "Keisha Brown" in page.content.decode()
    move = f"{personas.carol_client.pk}:{personas.carol.pk}:{jamal.pk}"
    response = browser.post(
        "/clients/reassign/",
        {"from_worker": personas.carol.pk, "to_workers": [jamal.pk], "move": [move], "reason": "x"},
    )
    assert response.status_code == 302
    keisha = Client.objects.get(pk=personas.carol_client.pk)
    assert (keisha.primary_worker_id, keisha.team_id) == (jamal.pk, personas.housing.pk)
