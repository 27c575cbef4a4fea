"""The access gate: who reaches which client, and that refusals look like 'not found'."""

from __future__ import annotations

import pytest
from django.http import Http404

from strengthwise.accounts.access import (
    access_client,
    can_see_confidential_address,
    clients_visible_to,
)
from strengthwise.audit.models import AuditEvent


def visible_names(user):
    return {c.legal_name for c in clients_visible_to(user)}


def test_worker_sees_own_caseload_and_team(personas):
    names = visible_names(personas.alice)
    assert {"Dana Whitfield", "Rosa Hernández", "Dana Whitfeld"} <= names
    assert "Keisha Brown" not in names  # Family Support team


def test_supervisor_sees_every_team_they_supervise(personas):
    names = visible_names(personas.bob)
    assert {"Dana Whitfield", "Keisha Brown"} <= names


def test_other_team_worker_does_not_see_dana(personas):
    assert visible_names(personas.carol) == {"Keisha Brown"}


def test_nobody_crosses_agencies(personas):
    assert visible_names(personas.mallory) == {"Dana Whitfield"}
    ids = {c.pk for c in clients_visible_to(personas.mallory)}
    assert ids == {personas.mallory_client.pk}
    assert personas.dana.pk not in {
        c.pk for c in clients_visible_to(personas.bob) if c.agency_id != personas.river_city.pk
    }


@pytest.mark.parametrize("who", ["priya", "admin"])
def test_program_manager_and_admin_reach_no_individual_record(personas, who):
    assert visible_names(getattr(personas, who)) == set()


def test_missing_and_forbidden_are_the_same_404(personas):
    with pytest.raises(Http404) as forbidden:
        access_client(personas.carol, personas.dana.pk)
    with pytest.raises(Http404) as missing:
        access_client(personas.carol, 999_999)
    assert str(forbidden.value) == str(missing.value)


def test_refused_access_is_audited_but_missing_is_not(personas):
    with pytest.raises(Http404):
        access_client(personas.mallory, personas.dana.pk)
    with pytest.raises(Http404):
        access_client(personas.mallory, 999_999)
    refused = list(AuditEvent.objects.filter(action="access.refused"))
    assert len(refused) == 1
    assert refused[0].actor_id == personas.mallory.pk
    assert refused[0].target_id == str(personas.dana.pk)
    # Filed under Dana's own agency and record, so River City's log shows the attempt.
    assert refused[0].client_id == personas.dana.pk
    assert refused[0].agency_id == personas.river_city.pk


@pytest.mark.parametrize("bad", ["abc", "-1", "0", "1.5", "", None, "9" * 40])
def test_malformed_ids_are_404(personas, bad):
    with pytest.raises(Http404):
        access_client(personas.alice, bad)


def test_inactive_or_anonymous_users_reach_nothing(personas):
    from django.contrib.auth.models import AnonymousUser

    assert not clients_visible_to(AnonymousUser()).exists()


def test_confidential_address_only_for_the_assigned_worker(personas):
    keisha = personas.carol_client
    assert can_see_confidential_address(personas.carol, keisha)
    assert not can_see_confidential_address(personas.bob, keisha)


def test_row_rule_agrees_with_the_query_rule_for_everyone(personas):
    from strengthwise.accounts.access import client_visible
    from strengthwise.people.models import Client
    from strengthwise.people.tests.helpers import add_clients

    add_clients(
        personas, 3, worker=personas.carol, team=personas.housing
    )  # carol's client in alice's team
    # a record merged into Dana's: out of everyone's scope, by both rules
    Client.objects.filter(pk=personas.dana_duplicate.pk).update(merged_into=personas.dana)
    everyone = [
        personas.alice,
        personas.bob,
        personas.carol,
        personas.mallory,
        personas.priya,
        personas.admin,
    ]
    for user in everyone:
        by_query = set(clients_visible_to(user).values_list("pk", flat=True))
        by_row = {
            c.pk
            for c in Client.objects.all()
            if client_visible(
                user,
                agency_id=c.agency_id,
                primary_worker_id=c.primary_worker_id,
                team_id=c.team_id,
                merged_into_id=c.merged_into_id,
            )
        }
        assert by_query == by_row, user.username
        assert personas.dana_duplicate.pk not in by_query


def test_caseload_subsets_stay_inside_the_scope(personas):
    from strengthwise.accounts.access import client_scope_q
    from strengthwise.people.models import Client

    for user in [personas.alice, personas.bob, personas.carol, personas.priya]:
        full = set(clients_visible_to(user).values_list("pk", flat=True))
        for only in ("mine", "teams"):
            subset = set(
                Client.objects.filter(client_scope_q(user, only=only)).values_list("pk", flat=True)
            )
            assert subset <= full


def test_a_merged_record_is_out_of_every_scope_and_gate(personas):
    from strengthwise.accounts.access import access_client_object, client_manage_q
    from strengthwise.people.models import Client, Episode

    duplicate = personas.dana_duplicate
    assert duplicate.pk in set(clients_visible_to(personas.alice).values_list("pk", flat=True))
    Client.objects.filter(pk=duplicate.pk).update(merged_into=personas.dana)
    for user in (personas.alice, personas.bob, personas.admin):
        assert not clients_visible_to(user).filter(pk=duplicate.pk).exists()
        assert not Client.objects.filter(client_manage_q(user), pk=duplicate.pk).exists()
        with pytest.raises(Http404):
            access_client(user, duplicate.pk, managing=True)
    episode = Episode.objects.filter(client=duplicate).first()
    with pytest.raises(Http404):
        access_client_object(personas.alice, Episode, episode.pk)


def test_managing_reaches_the_teams_a_supervisor_supervises_and_the_admins_agency(personas):
    from strengthwise.accounts.access import client_manage_q, may_manage_client
    from strengthwise.people.models import Client

    def managed(user):
        return set(Client.objects.filter(client_manage_q(user)).values_list("pk", flat=True))

    river = set(Client.objects.filter(agency=personas.river_city).values_list("pk", flat=True))
    assert managed(personas.bob) == river  # bob supervises both River City teams
    assert managed(personas.admin) == river
    for user in (personas.alice, personas.carol, personas.mallory, personas.priya):
        assert managed(user) == set()
    for user in (personas.alice, personas.bob, personas.carol, personas.admin, personas.mallory):
        by_row = {
            c.pk
            for c in Client.objects.all()
            if may_manage_client(
                user, agency_id=c.agency_id, team_id=c.team_id, merged_into_id=c.merged_into_id
            )
        }
        assert by_row == managed(user), user.username
    # An admin reaches a client through the managing gate only; the face-sheet gate stays shut.
    assert access_client(personas.admin, personas.dana.pk, managing=True) == personas.dana
    with pytest.raises(Http404):
        access_client(personas.admin, personas.dana.pk)
    with pytest.raises(Http404):
        access_client(personas.mallory, personas.dana.pk, managing=True)
