"""One form for the values an audit event's `changes` hold (issue 13): every app writes dates,
foreign keys, decimals and choices the same way — the referral services used to write a
foreign key as a string where the plans services wrote it as a number."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from strengthwise.accounts.models import Role
from strengthwise.audit.services import audit_record, plain
from strengthwise.plans import services as plan_services
from strengthwise.referrals import services as referral_services

KEY = uuid.UUID("6f1c0d7e-4a1b-4c55-9a57-2a1f3b0c9d10")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (3, 3),
        (2.5, 2.5),
        ("words", "words"),
        (dt.date(2026, 3, 4), "2026-03-04"),
        (
            dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC),
            "2026-03-04T09:30:00+00:00",
        ),
        (dt.time(9, 30), "09:30:00"),
        (Decimal("1.50"), "1.50"),
        (KEY, str(KEY)),
        (Role.WORKER, "worker"),
        ([dt.date(2026, 1, 2), 3], ["2026-01-02", 3]),
        ((1, 2), [1, 2]),
        ({3, 1, 2}, [1, 2, 3]),
        ({"on": dt.date(2026, 1, 2), 4: Decimal("2")}, {"on": "2026-01-02", "4": "2"}),
    ],
)
def test_plain_values(value, expected):
    assert plain(value) == expected


@pytest.mark.django_db
def test_a_model_instance_is_its_key(personas):
    assert plain(personas.dana) == personas.dana.pk
    assert plain({"client": personas.dana}) == {"client": personas.dana.pk}


@pytest.mark.django_db
def test_every_event_goes_through_plain(personas):
    event = audit_record(
        actor=personas.alice,
        action="test.changed",
        changes={"client": [None, personas.dana], "on": [None, dt.date(2026, 1, 2)]},
    )
    event.refresh_from_db()
    assert event.changes == {"client": [None, personas.dana.pk], "on": [None, "2026-01-02"]}


@pytest.mark.django_db
def test_a_goal_is_written_as_a_number_by_plans_and_referrals_alike(personas, audit_events):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "A home", "author": "client", "domain": "daily_living"},
    )
    referral_services.delivery_add(
        acting_user=personas.alice,
        client=personas.dana,
        fields={
            "what": "Bus pass",
            "delivered_on": timezone.localdate(),
            "units": Decimal("2"),
            "unit": "items",
            "goal": goal,
        },
    )
    (event,) = audit_events("service_delivery.recorded")
    assert event.changes["goal"] == [None, goal.pk]  # was [None, "<pk>"]
    assert event.changes["units"] == [None, "2"]
    assert event.changes["delivered_on"] == [None, timezone.localdate().isoformat()]
    step = plan_services.step_add(
        acting_user=personas.alice, goal=goal, fields={"text": "Call", "who": "client"}
    )
    (added,) = audit_events("step.added", target_id=str(step.pk))
    assert added.changes["text"] == [None, "Call"]
