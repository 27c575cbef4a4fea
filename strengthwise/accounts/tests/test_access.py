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
