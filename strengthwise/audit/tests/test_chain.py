"""The audit trail is append-only and hash-chained; verify-audit finds the first broken entry."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from strengthwise.audit.models import AppendOnlyError, AuditEvent, AuditHead
from strengthwise.audit.services import HASHED_FIELDS, audit_record
from strengthwise.audit.verify import audit_chain_verify

from .tamper import append_only_lifted


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
    """Raw SQL as an attacker with the database owner's rights runs it: past the triggers."""
    with append_only_lifted(), connection.cursor() as cursor:
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


def test_a_deleted_head_keeps_the_trail_working_but_is_reported(chain):
    AuditHead.objects.all().delete()
    audit_record(actor=None, action="test.after", target_type="x", target_id="1")
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_seq == 6
    assert "head had been deleted" in report.problem


def test_cutting_the_newest_events_and_rewriting_the_head_is_detected(chain):
    # An attacker with database access removes the last two events and points the head at #3.
    _raw("DELETE FROM audit_auditevent WHERE seq > 3", [])
    _raw("UPDATE audit_audithead SET seq = 3, hash = %s", [chain[2].hash])
    report = audit_chain_verify()
    assert not report.ok and "seal" in report.problem


def test_wiping_the_whole_trail_is_detected(chain):
    _raw("DELETE FROM audit_auditevent", [])
    _raw("DELETE FROM audit_audithead", [])
    report = audit_chain_verify()
    assert not report.ok and "head is missing" in report.problem


def test_rehashing_an_altered_event_without_the_key_is_detected(chain):
    import hashlib

    target = chain[2]
    # Recompute a plain SHA-256 (what someone without the HMAC key could do).
    _raw(
        "UPDATE audit_auditevent SET action = 'test.forged', hash = %s WHERE id = %s",
        [hashlib.sha256(b"forged").hexdigest(), target.pk],
    )
    assert not audit_chain_verify().ok


@pytest.mark.parametrize(
    "remote",
    ["2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "not-an-ip", "", "10.0.0.7"],
)
def test_client_addresses_are_stored_in_canonical_form(db, rf, remote):
    request = rf.get("/", REMOTE_ADDR=remote)
    event = audit_record(
        actor=None, action="test.ip", target_type="x", target_id="1", request=request
    )
    event.refresh_from_db()
    assert event.ip in (None, "2001:db8::1", "10.0.0.7")
    assert audit_chain_verify().ok
