"""Derived tasks with frozen time, manual tasks, the day and team pages, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from strengthwise.notes import services as note_services
from strengthwise.people.models import Client, Episode
from strengthwise.plans import services as plan_services
from strengthwise.tasks import rules, selectors, services
from strengthwise.tasks.models import ReminderSent, Task

pytestmark = pytest.mark.django_db


def kinds(tasks, client):
    return sorted(t.kind for t in tasks if t.client_id == client.pk)


def test_new_client_needs_an_assessment_and_a_contact(personas):
    tasks = rules.derive(personas.alice)
    # Dana's episode opened 120 days ago: no assessment, no contact recorded yet.
    assert kinds(tasks, personas.dana) == ["no_contact", "reassessment"]
    assert all(t.due_on < timezone.localdate() for t in tasks if t.client_id == personas.dana.pk)
    assert rules.derive(personas.carol) == [] or all(
        t.client_id != personas.dana.pk for t in rules.derive(personas.carol)
    )


def test_contact_resets_the_clock_and_no_contact_returns_after_n_days(personas):
    note = note_services.note_start(acting_user=personas.alice, client=personas.dana)
    note = note_services.note_save(
        acting_user=personas.alice, note=note, fields={}, sections={"goal": "hello"}
    )
    note_services.note_sign(acting_user=personas.alice, note=note)
    assert "no_contact" not in kinds(rules.derive(personas.alice), personas.dana)
    later = timezone.localdate() + dt.timedelta(days=31)
    with time_machine.travel(dt.datetime.combine(later, dt.time(12)), tick=False):
        assert "no_contact" in kinds(rules.derive(personas.alice, today=later), personas.dana)


def test_program_settings_change_the_rules(personas):
    program = personas.housing_program
    program.no_contact_days = 500
    program.reassessment_days = 500
    program.save()
    note = note_services.note_start(acting_user=personas.alice, client=personas.dana)
    note_services.note_save(
        acting_user=personas.alice, note=note, fields={}, sections={"goal": "x"}
    )
    assert "no_contact" not in kinds(rules.derive(personas.alice), personas.dana)


def test_plan_review_and_approval_waiting(personas):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "A home", "author": "client", "domain": "daily_living"},
    )
    plan_services.plan_client_agree(
        acting_user=personas.alice, plan=plan, signed_name="Dana Whitfield"
    )
    plan_services.plan_worker_sign(acting_user=personas.alice, plan=plan)
    plan.refresh_from_db()
    bob_tasks = rules.derive(personas.bob)
    assert any(t.kind == "approval_waiting" and t.client_id == personas.dana.pk for t in bob_tasks)
    plan_services.plan_review(acting_user=personas.bob, plan=plan, approve=True)
    later = timezone.localdate() + dt.timedelta(days=90)
    assert "plan_review" in kinds(rules.derive(personas.alice, today=later), personas.dana)
    assert "plan_review" not in kinds(rules.derive(personas.alice), personas.dana)


def test_closed_episode_means_no_tasks(personas):
    Episode.objects.filter(client=personas.dana).update(closed_on=timezone.localdate())
    assert kinds(rules.derive(personas.alice), personas.dana) == []


def test_manual_task_and_done(personas, web, audit_events):
    alice = web(personas.alice)
    response = alice.post(
        reverse("tasks:today"),
        {
            "title": "Call the school",
            "due_on": timezone.localdate().isoformat(),
            "client": personas.dana.pk,
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.client == personas.dana
    assert web(personas.bob).post(reverse("tasks:done", args=[task.pk])).status_code == 404
    alice.post(reverse("tasks:done", args=[task.pk]))
    task.refresh_from_db()
    assert task.done_at is not None
    assert audit_events("task.done")
    bad = alice.post(reverse("tasks:today"), {"title": "", "due_on": "soon"})
    assert bad.status_code == 400


def test_manual_task_cannot_name_a_client_you_cannot_see(personas, web):
    response = web(personas.carol).post(
        reverse("tasks:today"),
        {"title": "x", "due_on": timezone.localdate().isoformat(), "client": personas.dana.pk},
    )
    assert response.status_code in (302, 400)
    assert not Task.objects.filter(client=personas.dana).exists()


def test_today_page_shows_who_needs_attention(personas, web):
    page = web(personas.alice).get(reverse("tasks:today"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Who needs attention" in html and personas.dana.display_name in html


def test_team_page_for_supervisors_only(personas, web):
    assert web(personas.alice).get(reverse("tasks:team")).status_code == 404
    page = web(personas.bob).get(reverse("tasks:team"))
    assert page.status_code == 200
    assert "What is working" in page.content.decode()


def _grow(personas, n):
    for i in range(n):
        client = Client.objects.create(
            agency=personas.river_city,
            legal_first_name=f"Extra{i}",
            legal_last_name="Person",
            primary_worker=personas.alice,
            team=personas.dana.team,
        )
        Episode.objects.create(
            agency=personas.river_city,
            client=client,
            program=personas.housing_program,
            opened_on=timezone.localdate() - dt.timedelta(days=40),
        )


@pytest.mark.parametrize(("url_name", "who"), [("tasks:today", "alice"), ("tasks:team", "bob")])
def test_dashboard_queries_are_constant(personas, web, url_name, who):
    browser = web(getattr(personas, who))
    url = reverse(url_name)
    browser.get(url)
    with CaptureQueriesContext(connection) as few:
        browser.get(url)
    _grow(personas, 6)
    browser.get(url)  # the new clients' due dates are computed once, on first read
    with CaptureQueriesContext(connection) as more:
        browser.get(url)
    assert len(few) == len(more)


def test_remind_is_idempotent(personas):
    personas.alice.email = "alice@example.org"
    personas.alice.save()

    def to_alice():
        return [m for m in mail.outbox if m.to == ["alice@example.org"]]

    call_command("remind")
    assert len(to_alice()) == 1
    assert personas.dana.display_name in to_alice()[0].body
    total, sent = len(mail.outbox), ReminderSent.objects.count()
    call_command("remind")
    assert len(mail.outbox) == total  # nobody gets anything twice
    assert ReminderSent.objects.count() == sent
    services.task_add(acting_user=personas.alice, title="New thing", due_on=timezone.localdate())
    call_command("remind")
    assert len(to_alice()) == 2 and "New thing" in to_alice()[1].body
    assert "Dana" not in to_alice()[1].body  # only what is new


def test_tasks_api(personas, api):
    client = api(personas.alice)
    listed = client.get("/api/v1/tasks").json()
    assert any(t["kind"] == "reassessment" for t in listed)
    made = client.post(
        "/api/v1/tasks", {"title": "Bring forms", "due_on": timezone.localdate().isoformat()}
    )
    assert made.status_code == 201
    assert client.post(f"/api/v1/tasks/{made.json()['id']}/done", {}).status_code == 200
    outsider = api(personas.carol)
    assert outsider.post(f"/api/v1/tasks/{made.json()['id']}/done", {}).status_code == 404
    assert (
        outsider.post(
            "/api/v1/tasks",
            {
                "title": "x",
                "due_on": timezone.localdate().isoformat(),
                "client_id": personas.dana.pk,
            },
        ).status_code
        == 404
    )


def test_day_buckets(personas):
    day = selectors.day_for(personas.alice)
    overdue = next(b for b in day.buckets if b.key == "overdue")
    assert overdue.count >= 2  # Dana's first assessment and contact are overdue
    assert {g.kind for g in overdue.groups} >= {"reassessment", "no_contact"}
    assert personas.dana.pk in [pk for pk, _name, _reasons in day.attention]


def test_a_supervisor_sees_whose_client_each_item_is_and_overdue_is_marked(personas, web):
    """Issue 10: bob's day listed hundreds of overdue items without saying whose client each
    was; Dana's overdue item was not marked overdue on her face sheet."""
    from strengthwise.tasks import rules

    dana = personas.dana
    overdue = [t for t in rules.for_client(dana) if t.due_on < timezone.localdate()]
    assert overdue, "the personas give Dana something overdue"
    worker = dana.primary_worker.label
    bob_day = web(personas.bob).get("/today/").content.decode()
    assert f"{worker}’s client" in bob_day
    alice_day = web(personas.alice).get("/today/").content.decode()
    assert f"{worker}’s client" not in alice_day  # her own clients need no byline
    face = web(personas.alice).get(f"/clients/{dana.pk}/").content.decode()
    due = face[face.index('id="h-tasks"') :]
    due = due[: due.index("</section>")]
    assert 'class="badge status-rejected">overdue<' in due


def test_the_day_shows_a_page_not_every_task_and_each_group_opens_whole(personas, web):
    """Issue 11: /today/ rendered every task (4.77 MB for a supervisor at 100,000 clients). A
    group shows its first GROUP_LIMIT tasks and a link to the whole group."""
    from strengthwise.tasks import selectors

    for n in range(selectors.GROUP_LIMIT + 5):
        services.task_add(
            acting_user=personas.alice,
            title=f"Call back number {n}",
            due_on=timezone.localdate() - dt.timedelta(days=1),
            client=None,
        )
    alice = web(personas.alice)
    html = alice.get("/today/").content.decode()
    assert html.count(": Call back number") == selectors.GROUP_LIMIT  # one "Done" each
    assert "?group=overdue%3Amanual" in html and "Show all 25" in html
    whole = alice.get("/today/?group=overdue:manual").content.decode()
    assert whole.count(": Call back number") == selectors.GROUP_LIMIT + 5
    assert alice.get("/today/?group=nonsense").status_code == 200
