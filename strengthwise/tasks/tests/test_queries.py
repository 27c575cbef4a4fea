"""Issue 11: the day, the team view and the tasks API cost the same queries at 10 clients as
at 60 (and so at 100,000), page through the API with a cursor to the same answer as the day,
and record which clients they showed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from strengthwise.people.tests.helpers import add_clients
from strengthwise.tasks import rules, selectors, services

pytestmark = pytest.mark.django_db

# /today/: session, user, teams (3); the form's clients (1); clients without rows (1); counts
# by bucket and kind, the ids of the first 20 of each group, those rows, manual counts, manual
# first 20 (5); attention:
# clients ranked, their items, how many in all (3); what clients did in the portal (1); the
# audit of the read (savepoint, head,
# event, head, release: 5); the session save (3).
# /team/: + members, caseloads, overdue items, overdue manual, approvals, GAS, check-ins,
# services rated; no audit event (nothing waiting, no goal moving up in the personas); the
# teams a supervisor supervises (the navigation) come from the same read as their teams.
# /api/v1/tasks: token, teams, clients without rows, items, manual, the audit (5).
PINNED = {
    ("/today/", "alice"): 22,
    ("/team/", "bob"): 15,
    ("/api/v1/tasks", "alice"): 10,
    ("/api/v1/tasks?limit=5", "alice"): 10,
}


def count(get, url):
    get(url)  # clients new since the last read get their rows on the first one
    with CaptureQueriesContext(connection) as ctx:
        assert get(url).status_code == 200
    return len(ctx.captured_queries), ctx.captured_queries


@pytest.mark.parametrize(("url", "who"), PINNED)
def test_queries_do_not_grow_with_the_caseload(personas, web, api, url, who):
    user = getattr(personas, who)
    get = api(user).get if url.startswith("/api/") else web(user).get
    add_clients(personas, 10)
    for n in range(3):
        services.task_add(
            acting_user=personas.alice, title=f"Call {n}", due_on=timezone.localdate()
        )
    few, captured = count(get, url)
    add_clients(personas, 50, start=10)
    more, _captured = count(get, url)
    assert few == more == PINNED[(url, who)], "\n".join(q["sql"][:160] for q in captured)


def test_the_api_pages_through_the_same_tasks_as_the_day(personas, api):
    add_clients(personas, 30)
    for n in range(7):
        services.task_add(
            acting_user=personas.alice,
            title=f"Call {n}",
            due_on=timezone.localdate() - dt.timedelta(days=n % 3),
        )
    client = api(personas.alice)
    whole = client.get("/api/v1/tasks?limit=500")
    assert "X-Next-After" not in whole
    seen, after, pages = [], "", 0
    while True:
        page = client.get(f"/api/v1/tasks?limit=7{'&after=' + after if after else ''}")
        assert page.status_code == 200
        seen += [t["key"] for t in page.json()]
        pages += 1
        after = page.get("X-Next-After", "")
        if not after:
            break
        assert 'rel="next"' in page["Link"]
    day = [*rules.derive(personas.alice), *selectors.manual_tasks(personas.alice)]
    assert sorted(seen) == sorted(t.key for t in day)
    assert len(seen) == len(set(seen)) and pages > 3
    assert seen == [t["key"] for t in whole.json()]
    dates = [t["due_on"] for t in whole.json()]
    assert dates == sorted(dates)
    assert client.get("/api/v1/tasks?after=nonsense").status_code == 400
    assert client.get("/api/v1/tasks?limit=0").status_code in (400, 422)


def test_the_day_shows_every_task_of_a_group_it_counts(personas, web):
    add_clients(personas, selectors.GROUP_LIMIT + 6)  # each new client: first contact overdue
    day = selectors.day_for(personas.alice, today=timezone.localdate() + dt.timedelta(days=60))
    overdue = next(b for b in day.buckets if b.key == "overdue")
    group = next(g for g in overdue.groups if g.kind == rules.NO_CONTACT)
    assert len(group.tasks) == selectors.GROUP_LIMIT and group.more >= 6
    assert overdue.count == sum(g.total for g in overdue.groups)
    whole = selectors.day_for(
        personas.alice,
        today=timezone.localdate() + dt.timedelta(days=60),
        whole=f"overdue:{rules.NO_CONTACT}",
    )
    group = next(
        g for b in whole.buckets if b.key == "overdue" for g in b.groups if g.kind == "no_contact"
    )
    assert len(group.tasks) == group.total
    html = web(personas.alice).get("/today/").content.decode()
    assert "Show all" in html


def test_each_response_records_the_clients_it_showed(personas, web, api, audit_events):
    services.task_add(
        acting_user=personas.alice, title="Call", due_on=timezone.localdate(), client=personas.dana
    )
    web(personas.alice).get("/today/")
    shown = audit_events("tasks.viewed")[-1].changes["clients"][1]
    assert personas.dana.pk in shown
    assert personas.carol_client.pk not in shown
    api(personas.alice).get("/api/v1/tasks")
    assert personas.dana.pk in audit_events("tasks.viewed")[-1].changes["clients"][1]
    # bob's team view names the clients whose plans wait for him (none yet: no event).
    web(personas.bob).get("/team/")
    from strengthwise.tasks.tests.test_due import agreed_plan

    agreed_plan(personas, personas.dana, approve=False)
    web(personas.bob).get("/team/")
    assert audit_events("team.viewed")[-1].changes["clients"][1] == [personas.dana.pk]
