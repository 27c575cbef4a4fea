"""Writes under load on PostgreSQL: the row locks a write takes leave foreign-key checks alone.

A foreign-key check (PostgreSQL runs Django's at commit) takes a key-share lock on the row
pointed at. FOR UPDATE blocks it; FOR NO KEY UPDATE does not. `strengthwise bench --writers`
with two writers on one client found the deadlock this made: a check-in held its client row
FOR UPDATE and waited for the audit chain's head, while a referral created for the same client
held the head and, committing, checked its foreign key to that client row. Each test below
holds one write's lock in one thread while another thread commits a row that points at the
locked row; the second must commit while the first still holds its lock (the waits are guards
against a hang, never a measure)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from strengthwise.notes.models import Note
from strengthwise.people.services import lock_open_record
from strengthwise.referrals import services as referral_services
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Referral, ReferralEvent
from strengthwise.tasks.due import refresh_clients

GUARD = 30  # seconds: only ever reached when the second write is blocked (the bug)


def _while_held(hold: Callable[[Callable[[], None]], None], point: Callable[[], None]) -> Any:
    """Run `hold` in a thread: it takes its lock and calls the pause it is given, which waits
    (up to GUARD) until another thread has committed `point`, a row pointing at the locked
    row. Returns whether that commit came while the lock was held, and any errors."""
    held, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    came: list[bool] = []

    def pause() -> None:
        held.set()
        came.append(done.wait(GUARD))

    def holder() -> None:
        try:
            hold(pause)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            held.set()
            connection.close()

    def pointer() -> None:
        try:
            assert held.wait(GUARD)
            with transaction.atomic():
                point()
            done.set()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=pointer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(3 * GUARD)
    return came == [True], errors


def _note_for(client: Any, author: Any) -> Callable[[], None]:
    def point() -> None:
        Note.objects.create(
            agency_id=client.agency_id,
            client=client,
            author=author,
            contact_date=timezone.localdate(),
            sections={},
        )

    return point


@pytest.fixture
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: its IMMEDIATE transactions queue whole writes")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_holding_its_client_lets_other_writes_about_the_client_commit(
    postgresql_only: None, personas: Any
) -> None:
    dana, alice = personas.dana, personas.alice

    def hold(pause: Callable[[], None]) -> None:
        with transaction.atomic():
            lock_open_record(dana.pk)  # as a check-in or a new note does first
            pause()

    in_time, errors = _while_held(hold, _note_for(dana, alice))
    assert not errors, errors
    assert in_time


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refreshing_a_clients_due_dates_lets_other_writes_about_the_client_commit(
    postgresql_only: None, personas: Any
) -> None:
    dana, alice = personas.dana, personas.alice

    def hold(pause: Callable[[], None]) -> None:
        with transaction.atomic():
            refresh_clients([dana.pk])  # what a write's signal receivers do
            pause()

    in_time, errors = _while_held(hold, _note_for(dana, alice))
    assert not errors, errors
    assert in_time


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moving_a_referral_lets_rows_about_the_referral_commit(
    postgresql_only: None, demo_agency: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another write's due-date refresh inserts rows that point at each of the client's
    referrals; the referral a worker is moving must not hold them up."""
    alice = demo_agency.alice
    referral = Referral.objects.filter(status=workflow.REQUESTED, created_by=alice).first()
    assert referral is not None
    check = workflow.check
    pauses: dict[str, Callable[[], None]] = {}

    def check_then_pause(*args: Any, **kwargs: Any) -> None:
        check(*args, **kwargs)  # inside the transition, its lock on the referral taken
        pause = pauses.get(threading.current_thread().name)
        if pause is not None:
            pause()

    monkeypatch.setattr(workflow, "check", check_then_pause)

    def hold(pause: Callable[[], None]) -> None:
        pauses[threading.current_thread().name] = pause
        referral_services.referral_transition(
            referral=referral,
            status=workflow.CANCELLED,
            side=workflow.REQUESTER,
            reason="The client found help elsewhere.",
            acting_user=alice,
        )

    def point() -> None:
        ReferralEvent.objects.create(
            referral_id=referral.pk,
            from_status=workflow.REQUESTED,
            to_status=workflow.REQUESTED,
            side=workflow.REQUESTER,
            actor_label="test",
            at=timezone.now(),
        )

    in_time, errors = _while_held(hold, point)
    assert not errors, errors
    assert in_time
    referral.refresh_from_db()
    assert referral.status == workflow.CANCELLED
