"""The maintained due dates (tasks/due.py) give the same tasks as deriving them in Python
(`rules.derive_for` over `rules.caseload`, the way the day was computed before issue 11), for
clients in many states, on several days, and stay right as services change the case (the
signal receivers), without anyone calling a refresh."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from strengthwise.accounts.models import Role
from strengthwise.assessments import services as assessment_services
from strengthwise.assessments.templates_data import shipped_template
from strengthwise.directory.testing import make_service
from strengthwise.notes import services as note_services
from strengthwise.people import caseload as people_caseload
from strengthwise.people.models import Client, Episode
from strengthwise.people.tests.helpers import add_clients
from strengthwise.plans import services as plan_services
from strengthwise.referrals import services as referral_services
from strengthwise.referrals.models import Consent
from strengthwise.tasks import due, rules
from strengthwise.tasks.models import ClientDue, DueItem

pytestmark = pytest.mark.django_db
SSM_DOMAINS = [d["key"] for d in shipped_template("ssm")["domains"]]


def reference(user, today):
    """The old way: every client of the caseload derived in Python."""
    return rules.derive_for(
        rules.caseload(user), today=today, approvals=user.role == Role.SUPERVISOR
    )


def face(tasks):
    return sorted(
        (t.key, t.kind, t.title, t.due_on, t.client_id, t.url, t.worker_id, t.worker_name)
        for t in tasks
    )


def assert_same(personas, days=(0, 3, 10, 40, 100, 400)):
    for user in (personas.alice, personas.bob, personas.carol):
        for ahead in days:
            today = timezone.localdate() + dt.timedelta(days=ahead)
            expected = face(reference(user, today))
            assert face(rules.derive(user, today=today)) == expected, (user.username, ahead)


def assert_face_sheets_same(personas, days=(0, 10, 100)):
    """Each client's face sheet (its stored items) against deriving that one client."""
    clients = Client.objects.filter(agency=personas.river_city, merged_into__isnull=True)
    for client in clients:
        for ahead in days:
            today = timezone.localdate() + dt.timedelta(days=ahead)
            expected = face(rules.for_client(client, today=today))
            assert face(due.for_client(client, today=today)) == expected, (client.pk, ahead)


def consent(personas, client, service, until):
    return referral_services.consent_record(
        acting_user=personas.alice,
        client=client,
        fields={
            "information": ["contact", "goals"],
            "organization": service.organization,
            "purpose": "referral",
            "valid_from": timezone.localdate() - dt.timedelta(days=1),
            "valid_until": until,
            "method": Consent.Method.E_SIGNATURE,
            "signed_name": client.display_name,
            "right_to_revoke_explained": True,
        },
    )


def signed_note(personas, client, days_ago=0):
    note = note_services.note_start(acting_user=personas.alice, client=client)
    note_services.note_save(
        acting_user=personas.alice,
        note=note,
        fields={"contact_date": timezone.localdate() - dt.timedelta(days=days_ago)},
        sections={"goal": "talked"},
    )
    note_services.note_sign(acting_user=personas.alice, note=note)
    return note


def agreed_plan(personas, client, *, approve=True):
    plan = plan_services.plan_start(acting_user=personas.alice, client=client)
    plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "A home", "author": "client", "domain": "daily_living"},
    )
    plan_services.plan_client_agree(
        acting_user=personas.alice, plan=plan, signed_name=client.display_name
    )
    plan_services.plan_worker_sign(acting_user=personas.alice, plan=plan)
    plan.refresh_from_db()
    if approve:
        plan_services.plan_review(acting_user=personas.bob, plan=plan, approve=True)
    return plan


@pytest.fixture
def varied(personas):
    """Clients in many states: new, contacted, assessed, with plans agreed or waiting,
    referrals waiting, consents ending soon / later / revoked, a closed episode."""
    service = make_service("Tenant rights clinic", org_name="Legal Aid of River City")
    extra = add_clients(personas, 8)
    signed_note(personas, extra[0], days_ago=3)
    signed_note(personas, extra[1], days_ago=40)
    assessment_services.strengths_assessment_revise(
        acting_user=personas.alice,
        client=extra[2],
        version=None,
        content={
            "domains": {
                "health": {
                    "aspirations": {"text": "Stay well", "author": "client", "verbatim": True}
                }
            },
            "priorities": [],
        },
    )
    agreed_plan(personas, extra[3])
    agreed_plan(personas, extra[4], approve=False)  # waiting for bob's approval
    consent(personas, extra[5], service, timezone.localdate() + dt.timedelta(days=10))
    consent(personas, extra[5], service, timezone.localdate() + dt.timedelta(days=200))
    soon = consent(personas, extra[6], service, timezone.localdate() + dt.timedelta(days=5))
    referral_services.referral_create(
        acting_user=personas.alice, client=extra[6], service=service, information=["contact"]
    )
    referral_services.consent_revoke(
        acting_user=personas.alice,
        consent=consent(personas, extra[7], service, timezone.localdate() + dt.timedelta(days=9)),
        revoked_on=timezone.localdate(),
        revoked_by="the client",
    )
    Episode.objects.filter(client=extra[7]).update(closed_on=timezone.localdate())
    return {"clients": extra, "service": service, "soon": soon}


def test_the_table_gives_the_same_tasks_as_deriving_them(personas, varied):
    assert_same(personas)
    assert_face_sheets_same(personas)
    kinds = {t.kind for t in rules.derive(personas.bob)} | {
        t.kind for t in rules.derive(personas.alice, today=timezone.localdate())
    }
    # The fixture reaches every rule (else this test would prove less than it says).
    assert kinds >= set(rules.KINDS) - {rules.PLAN_REVIEW}
    later = timezone.localdate() + dt.timedelta(days=90)
    assert rules.PLAN_REVIEW in {t.kind for t in rules.derive(personas.alice, today=later)}


def test_services_keep_the_table_right_without_a_refresh(personas, varied):
    rules.derive(personas.alice)
    rules.derive(personas.bob)  # every client in scope has its rows now
    assert not due.ensure_fresh(personas.alice) and not due.ensure_fresh(personas.bob)
    extra = varied["clients"]
    signed_note(personas, extra[2])  # model signal (Note)
    signed_note(personas, personas.dana, days_ago=1)
    waiting = agreed_plan(personas, extra[0], approve=False)  # Plan updated with .update()
    plan_services.plan_review(acting_user=personas.bob, plan=waiting, approve=True)
    referral_services.consent_revoke(  # QuerySet.update(), seen through its audit event
        acting_user=personas.alice,
        consent=varied["soon"],
        revoked_on=timezone.localdate(),
        revoked_by="the client",
    )
    people_caseload.client_transfer(  # worker and team written with .update()
        acting_user=personas.bob, client=extra[1], to_worker=personas.carol, reason="move"
    )
    assessment_services.ssm_administer(
        acting_user=personas.alice,
        client=extra[3],
        kind="entry",
        administered_on=timezone.localdate() - dt.timedelta(days=2),
        scores={key: (3, "") for key in SSM_DOMAINS},
    )
    assert not due.ensure_fresh(personas.alice)  # nothing left to compute: all refreshed
    assert_same(personas)
    assert_face_sheets_same(personas)


def test_a_program_setting_changes_every_client_of_the_program(personas, varied):
    rules.derive(personas.alice)
    program = personas.housing_program
    program.no_contact_days = 3
    program.reassessment_days = 10
    program.save()
    assert_same(personas, days=(0, 5))


def test_missing_rows_are_computed_once_and_refresh_due_rebuilds(personas, varied):
    DueItem.objects.all().delete()
    ClientDue.objects.all().delete()
    assert due.ensure_fresh(personas.alice) > 0
    assert due.ensure_fresh(personas.alice) == 0
    DueItem.objects.all().delete()  # a wrong table: refresh-due puts it right
    call_command("refresh_due")
    assert ClientDue.objects.count() == Client.objects.count()
    assert_same(personas, days=(0, 40))


def test_a_deleted_client_takes_its_rows(personas, varied):
    client = varied["clients"][0]
    rules.derive(personas.alice)
    assert DueItem.objects.filter(client=client).exists()
    Client.objects.filter(pk=client.pk).delete()
    assert not DueItem.objects.filter(client_id=client.pk).exists()
    assert not ClientDue.objects.filter(client_id=client.pk).exists()
