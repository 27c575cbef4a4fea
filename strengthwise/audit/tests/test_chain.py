"""The audit trail is append-only and hash-chained; verify-audit finds the first broken entry."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from strengthwise.audit.models import AppendOnlyError, AuditEvent, AuditHead
from strengthwise.audit.services import HASHED_FIELDS, audit_record
from strengthwise.audit.verify import audit_chain_verify


@pytest.fixture
def chain(db):
    for i in range(5):
        audit_record(
            actor=None,
            actor_label=f"tester{i}",
            action="test.event",
            target_type="x",
            target_id=str(i),
            client_id=i,
            agency_id=1,
            changes={"field": [i, i + 1]},
        )
    return list(AuditEvent.objects.order_by("seq"))


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_intact_chain_verifies_and_reports_its_length(chain, capsys):
    assert audit_chain_verify().ok
    call_command("verify_audit")
    assert "5 entries" in capsys.readouterr().out


def test_each_event_links_to_the_one_before(chain):
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1


TAMPER = {
    "seq": 99,
    "at": "2001-01-01 00:00:00",
    "agency_id": 77,
    "actor_id": 42,
    "actor_label": "someone else",
    "action": "test.innocent",
    "target_type": "y",
    "target_id": "999",
    "client_id": 12345,
    "changes": json.dumps({"field": [0, 0]}),
    "ip": "10.0.0.1",
    "prev_hash": "f" * 64,
    "hash": "e" * 64,
}


@pytest.mark.parametrize("field", sorted(set(HASHED_FIELDS) | {"hash"}))
@pytest.mark.parametrize("position", [0, 2, 4])
def test_altering_any_stored_field_of_any_event_is_detected(chain, field, position):
    target = chain[position]
    _raw(f"UPDATE audit_auditevent SET {field} = %s WHERE id = %s", [TAMPER[field], target.pk])
    report = audit_chain_verify()
    assert not report.ok
    assert report.first_broken_seq in (target.seq, target.seq + 1, 99)
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert "BROKEN" in str(error.value)


@pytest.mark.parametrize("position", [0, 2, 4])
def test_deleting_any_event_is_detected(chain, position):
    target = chain[position]
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    report = audit_chain_verify()
    assert not report.ok
    assert report.first_broken_seq == target.seq
    assert f"#{target.seq}" in report.problem


def test_the_model_refuses_updates_and_deletes(chain):
    event = chain[0]
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_chain_survives_a_lost_head_row(chain):
    # The head is re-anchored from the last event if it is ever missing (e.g. a fresh table).
    AuditHead.objects.all().delete()
    audit_record(actor=None, action="test.after", target_type="x", target_id="1")
    assert audit_chain_verify().ok
