"""The database refuses UPDATE and DELETE of audit events (migration 0004), whoever asks."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from strengthwise.audit.models import AuditEvent
from strengthwise.audit.services import audit_record
from strengthwise.audit.verify import audit_chain_verify

from .tamper import append_only_lifted


@pytest.fixture
def chain(db):
    for i in range(4):
        audit_record(actor=None, action="test.event", target_type="x", target_id=str(i))
    return list(AuditEvent.objects.order_by("seq"))


def _refused(run) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        run()
    message = str(error.value)
    assert "audit events are append-only" in message
    return message


def _sql(sql, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


def test_inserting_still_works(chain):
    audit_record(actor=None, action="test.more", target_type="x", target_id="9")
    assert AuditEvent.objects.count() == 5 and audit_chain_verify().ok


@pytest.mark.parametrize("position", [0, 2, 3])
def test_raw_sql_updates_are_refused(chain, position):
    event = chain[position]
    assert "UPDATE" in _refused(
        _sql("UPDATE audit_auditevent SET action = 'test.forged' WHERE id = %s", [event.pk])
    )
    _refused(_sql("UPDATE audit_auditevent SET action = 'test.forged'"))


@pytest.mark.parametrize("position", [1, 2, 3])
def test_raw_sql_deletes_are_refused(chain, position):
    assert "DELETE" in _refused(
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [chain[position].pk])
    )
    _refused(_sql("DELETE FROM audit_auditevent WHERE seq > 2"))


def test_orm_updates_and_deletes_are_refused_by_the_database_too(chain):
    """Past the model's own guard (a plain QuerySet, save_base), the database still says no."""
    plain = QuerySet(model=AuditEvent)
    _refused(lambda: plain.filter(pk=chain[1].pk).update(action="test.forged"))
    _refused(lambda: plain.filter(pk=chain[2].pk).delete())
    event = chain[3]
    event.action = "test.forged"
    _refused(lambda: AuditEvent.save_base(event, force_update=True))
    assert audit_chain_verify().ok
    assert [e.action for e in AuditEvent.objects.order_by("seq")] == ["test.event"] * 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL refuses every DELETE")
def test_postgresql_refuses_deleting_even_the_oldest_event(chain):
    _refused(_sql("DELETE FROM audit_auditevent WHERE id = %s", [chain[0].pk]))
    _refused(_sql("DELETE FROM audit_auditevent"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's flush exception")
def test_sqlite_lets_only_the_oldest_go_so_a_flush_works_and_is_still_caught(chain):
    """Django's flush on SQLite runs DELETE FROM, visiting rows oldest first: that must work.
    What it allows — removing the oldest events — verify-audit always reports."""
    _refused(_sql("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].pk]))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [chain[0].pk])
    report = audit_chain_verify()
    assert not report.ok and "entry #1 is missing" in report.problem
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 0
    assert not audit_chain_verify().ok


def test_the_guard_comes_back_after_a_tamper_test(chain):
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [chain[0].pk])
    _refused(_sql("UPDATE audit_auditevent SET action = 'y' WHERE id = %s", [chain[0].pk]))
