"""Retention: which records are due (open, recent, longest period, forever, holds, merged
records), the dry run, the real purge of every app's rows with its tombstone and an intact
audit chain, and the commands."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from strengthwise.accounts.models import Program
from strengthwise.audit.models import AuditEvent
from strengthwise.audit.verify import audit_chain_verify
from strengthwise.directory.testing import make_service
from strengthwise.notes.models import Note
from strengthwise.outcomes import retention, services
from strengthwise.outcomes.models import Closure, Reopening
from strengthwise.people.models import Client, ClientMerge, Episode
from strengthwise.people.services import client_refresh_search_fields
from strengthwise.people.tests.test_merge import Linked, ownership
from strengthwise.referrals.models import Consent, ConsentDocument, Referral
from strengthwise.tasks.models import Task

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _on_the_day_this_module_read(time_machine):
    """TODAY was read when the module was imported: the clock stays on that day, so a run that
    passes midnight between collecting and running does not compare two days."""
    time_machine.move_to(dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC), tick=True)


LATER = dt.date(2040, 6, 1)  # "today" for the tests that judge fixed dates


def keep(program: Any, years: int | None) -> None:
    program.retention_years = years
    program.save(update_fields=["retention_years"])


def person(p: Any, name: str, *episodes: tuple[Any, dt.date, dt.date | None]) -> Client:
    """A River City client with episodes (program, opened on, closed on or None)."""
    client = Client(
        agency=p.river_city, team=p.housing, legal_first_name=name, legal_last_name="Test"
    )
    client_refresh_search_fields(client)
    client.save()
    for program, opened, closed in episodes:
        Episode.objects.create(
            agency=p.river_city, client=client, program=program, opened_on=opened, closed_on=closed
        )
    return client


def due_ids(**kwargs: Any) -> list[int]:
    return [r.client_id for r in retention.due_for_purge(**kwargs)]


def test_add_years_and_the_pure_rule():
    assert retention.add_years(dt.date(2018, 3, 1), 7) == dt.date(2025, 3, 1)
    assert retention.add_years(dt.date(2020, 2, 29), 7) == dt.date(2027, 2, 28)
    closed = dt.date(2020, 1, 1)
    assert retention.closed_episodes([]) == retention.NEVER_ENROLLED
    assert retention.closed_episodes([(1, "A", 7, closed), (2, "B", 3, None)]) == retention.OPEN
    assert retention.closed_episodes([(1, "A", 7, closed), (2, "B", None, closed)]) == (
        retention.FOREVER
    )
    [episode] = retention.closed_episodes([(1, "A", 7, closed)])  # type: ignore[misc]
    assert episode.kept_until == dt.date(2027, 1, 1)


def test_who_is_due(personas):
    p = personas
    keep(p.housing_program, 7)
    keep(p.family_program, 10)
    d = dt.date
    closed_long_ago = person(p, "Closed", (p.housing_program, d(2020, 1, 1), d(2030, 1, 1)))
    recently = person(p, "Recent", (p.housing_program, d(2030, 1, 1), d(2036, 1, 1)))
    still_open = person(
        p,
        "Open",
        (p.housing_program, d(2020, 1, 1), d(2021, 1, 1)),
        (p.family_program, d(2022, 1, 1), None),
    )
    # Housing alone would be due (closed 2030 + 7), but Family keeps it 10 years: 2040-12-31.
    longest = person(
        p,
        "Longest",
        (p.housing_program, d(2020, 1, 1), d(2030, 6, 1)),
        (p.family_program, d(2028, 1, 1), d(2030, 12, 31)),
    )
    never = person(p, "Never")  # never enrolled in any program: never due
    drop_in = Program.objects.create(agency=p.river_city, name="Drop-in")  # no period
    forever = person(
        p,
        "Forever",
        (p.housing_program, d(2001, 1, 1), d(2002, 1, 1)),
        (drop_in, d(2001, 1, 1), d(2002, 1, 1)),
    )

    due = retention.due_for_purge(agency=p.river_city, today=LATER)
    ids = [r.client_id for r in due]
    assert closed_long_ago.pk in ids
    # The old duplicate record's 2021 housing episode is long past too.
    assert p.dana_duplicate.pk in ids
    for kept in (recently, still_open, longest, never, forever, p.dana, p.rosa, p.carol_client):
        assert kept.pk not in ids, kept.legal_first_name
    record = next(r for r in due if r.client_id == closed_long_ago.pk)
    assert (record.last_closed_on, record.due_since) == (d(2030, 1, 1), d(2037, 1, 2))
    assert record.deciding.program == p.housing_program.name

    # The day the longest period ends the record is still kept; the day after it is due.
    assert longest.pk not in due_ids(agency=p.river_city, today=d(2040, 12, 31))
    [longest_due] = [
        r for r in retention.due_for_purge(today=d(2041, 1, 1)) if r.client_id == longest.pk
    ]
    assert longest_due.deciding.program == p.family_program.name
    assert longest_due.due_since == d(2041, 1, 1)

    # A program without a period keeps its records forever.
    keep(p.family_program, None)
    assert longest.pk not in due_ids(today=d(2099, 1, 1))
    # Only the agency asked for.
    assert due_ids(agency=p.eastgate, today=LATER) == []


def test_a_legal_hold_keeps_a_record_until_it_is_lifted(personas, audit_events):
    p = personas
    keep(p.housing_program, 1)
    gone = person(p, "Held", (p.housing_program, dt.date(2020, 1, 1), dt.date(2021, 1, 1)))
    assert gone.pk in due_ids(today=LATER)
    out = StringIO()
    call_command("legal_hold", "place", str(gone.pk), "--reason", "Subpoena 114", stdout=out)
    assert f"Client record {gone.pk} is on legal hold" in out.getvalue()
    assert gone.pk not in due_ids(today=LATER)
    [skipped] = retention.purge(clients=[gone.pk], acting_label="t", dry_run=False, today=LATER)
    assert (skipped.purged, skipped.skipped) == (False, retention.HELD)
    assert Client.objects.filter(pk=gone.pk).exists()
    listing = StringIO()
    call_command("legal_hold", "list", stdout=listing)
    assert "Subpoena 114" in listing.getvalue()
    call_command("legal_hold", "release", str(gone.pk), stdout=StringIO())
    assert gone.pk in due_ids(today=LATER)
    assert audit_events("client.legal_hold_placed", client_id=gone.pk)
    assert audit_events("client.legal_hold_released", client_id=gone.pk)
    with pytest.raises(CommandError):
        call_command("legal_hold", "release", str(gone.pk))


def rows_by_model() -> Counter[str]:
    return Counter(
        {
            m._meta.label_lower: m._base_manager.count()
            for m in apps.get_models()
            if m._meta.app_label not in ("audit", "sessions", "contenttypes", "admin")
        }
    )


@pytest.fixture
def dana_everywhere(personas):
    """Dana with rows in every app, her old duplicate merged into her, every episode closed
    through the closure service (once coming back in between)."""
    p = personas
    linked = Linked(p)  # plans, goals, assessments, consents, referrals, saved services …
    linked.merge()  # the 2021 record now lives under Dana
    dana, alice = p.dana, p.alice
    consent = Referral.objects.filter(client=dana).first().consent
    ConsentDocument.objects.create(
        consent=consent,
        filename="consent.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        data=b"%PDF-1.4",
    )
    Note.objects.create(
        agency=p.river_city,
        client=dana,
        author=alice,
        contact_date=TODAY,
        sections={"goal": "Dana Whitfield wants a steady job."},
        search_text="dana whitfield wants a steady job",
    )
    Task.objects.create(
        agency=p.river_city,
        client=dana,
        assigned_to=alice,
        created_by=alice,
        title="Call Dana",
        due_on=TODAY,
    )

    def close() -> None:
        episode = Episode.objects.get(client=dana, closed_on__isnull=True)
        closure = services.closure_start(acting_user=alice, episode=episode)
        closure = services.closure_save(
            acting_user=alice,
            closure=closure,
            fields={
                "reason": "goals_achieved",
                "what_helped": "Dana said: someone who called back.",
                "what_helped_author": "client",
                "what_helped_verbatim": True,
                "worker_summary": "Housed.",
                "closed_on": TODAY,
                "close_anyway": True,  # her referrals stay open with the organisations
            },
        )
        services.closure_submit(acting_user=alice, closure=closure)

    close()
    services.episode_reopen(
        acting_user=alice, client=dana, program=p.housing_program, reason="Lost the flat."
    )
    close()
    keep(p.housing_program, 7)
    return p


def test_dry_run_then_purge_removes_every_app_s_rows_and_leaves_a_tombstone(
    dana_everywhere, audit_events
):
    p = dana_everywhere
    dana, dup = p.dana, p.dana_duplicate
    assert Reopening.objects.filter(client=dana).exists()  # protects the earlier episode
    assert Closure.objects.filter(client=dana).count() == 2
    kept_until = retention.add_years(TODAY, 7)
    assert dana.pk not in due_ids(today=kept_until)
    today = kept_until + dt.timedelta(days=1)
    [record] = [r for r in retention.due_for_purge(today=today) if r.client_id == dana.pk]
    assert record.merged_ids == (dup.pk,)
    assert dup.pk not in due_ids(today=today)  # merged: judged and purged with Dana

    owned = ownership()
    rows = rows_by_model()
    events = AuditEvent.objects.count()
    about_dana = AuditEvent.objects.filter(client_id=dana.pk).count()

    [merged] = retention.purge(clients=[dup.pk], acting_label="test", dry_run=True, today=today)
    assert merged.skipped == retention.MERGED
    [dry] = retention.purge(clients=[record], acting_label="test", dry_run=True, today=today)
    assert (dry.purged, dry.record) == (False, record)
    assert (ownership(), rows_by_model(), AuditEvent.objects.count()) == (owned, rows, events)

    [done] = retention.purge(clients=[record], acting_label="test", dry_run=False, today=today)
    assert done.purged and not done.skipped

    # Every row of every app that belonged to Dana or her merged record is gone, nothing else.
    group = {dana.pk, dup.pk}
    assert ownership() == {k: v for k, v in owned.items() if v not in group}
    assert not Client.objects.filter(pk__in=group).exists()
    assert not ClientMerge.objects.exists()
    assert not ConsentDocument.objects.exists() and not Note.objects.filter(client=dana.pk)
    assert Client.objects.filter(pk=p.mallory_client.pk).exists()  # the other agency's Dana
    assert p.rosa.household.count() == 1
    after = rows_by_model()
    removed = {label: n for label, n in (rows - after).items() if n}
    assert removed == done.rows
    for label in (
        "people.client",
        "people.episode",
        "people.householdmember",
        "people.clientmerge",
        "plans.plan",
        "plans.goal",
        "assessments.factor",
        "referrals.referral",
        "referrals.consent",
        "referrals.consentdocument",
        "notes.note",
        "tasks.task",
        "outcomes.closure",
        "outcomes.reopening",
        "directory.savedservice",
    ):
        assert done.rows.get(label), label
    assert done.rows["people.client"] == 2

    # The chain keeps every earlier event about her and ends in one tombstone per record.
    assert AuditEvent.objects.filter(client_id=dana.pk).count() == about_dana + 1
    [tomb] = audit_events(retention.PURGED, client_id=dana.pk)
    assert tomb.actor_label == "test" and tomb.actor_id is None
    assert tomb.changes["rows_removed"] == [None, done.rows]
    assert tomb.changes["due_since"] == [None, today.isoformat()]
    assert tomb.changes["merged_records"] == [None, [dup.pk]]
    assert {e["program"] for e in tomb.changes["episodes"][1]} == {p.housing_program.name}
    text = json.dumps(tomb.changes) + tomb.target_id + tomb.actor_label
    for word in ("Dana", "Whitfield", "Whitfeld", "1992", "555", "Riverside"):
        assert word not in text
    [dup_tomb] = audit_events(retention.PURGED, client_id=dup.pk)
    assert dup_tomb.changes == {"purged_with": [None, dana.pk]}
    report = audit_chain_verify()
    assert report.ok, report.problem

    # Purging again finds nothing to do.
    [again] = retention.purge(clients=[dana.pk], acting_label="t", dry_run=False, today=today)
    assert (again.purged, again.skipped) == (False, retention.GONE)


def test_a_record_reopened_after_the_list_was_made_is_skipped(personas):
    p = personas
    keep(p.housing_program, 1)
    back = person(p, "Back", (p.housing_program, dt.date(2020, 1, 1), dt.date(2021, 1, 1)))
    [record] = [r for r in retention.due_for_purge(today=LATER) if r.client_id == back.pk]
    Episode.objects.create(
        agency=p.river_city, client=back, program=p.housing_program, opened_on=TODAY
    )
    [outcome] = retention.purge(clients=[record], acting_label="t", dry_run=False, today=LATER)
    assert (outcome.purged, outcome.skipped) == (False, retention.OPEN)
    assert Client.objects.filter(pk=back.pk).exists()


def test_a_row_of_another_client_protecting_one_of_theirs_refuses_only_that_purge(personas):
    p = personas
    keep(p.housing_program, 1)
    closed = (p.housing_program, dt.date(2020, 1, 1), dt.date(2021, 1, 1))
    lender, other = person(p, "Lender", closed), person(p, "Other", closed)
    service = make_service("Job club")
    consent = Consent.objects.create(
        agency=p.river_city,
        client=lender,
        information=["contact"],
        organization=service.organization,
        valid_from=dt.date(2020, 1, 1),
        valid_until=dt.date(2020, 12, 31),
        method=Consent.Method.VERBAL,
        witness_name="Marisol",
        right_to_revoke_explained=True,
        recorded_by=p.alice,
    )
    # Should never happen (a referral goes out under its own client's consent), but if it did:
    Referral.objects.create(
        agency=p.river_city,
        client=p.rosa,
        service=service,
        organization=service.organization,
        consent=consent,
        created_by=p.alice,
    )
    outcomes = retention.purge(
        clients=[lender.pk, other.pk], acting_label="t", dry_run=False, today=LATER
    )
    assert [(o.client_id, o.purged) for o in outcomes] == [(lender.pk, False), (other.pk, True)]
    assert "referrals.referral" in outcomes[0].skipped
    assert Client.objects.filter(pk=lender.pk).exists()
    assert Episode.objects.filter(client=lender).exists()  # rolled back whole
    assert Consent.objects.filter(pk=consent.pk).exists()
    assert not Client.objects.filter(pk=other.pk).exists()
    assert audit_chain_verify().ok


def test_the_command_lists_without_names_and_refuses_without_yes(personas, audit_events):
    p = personas
    keep(p.housing_program, 1)
    # Rosa's only episode, closed two years ago in a one-year program: due today (and so is
    # the old duplicate record, closed in 2021).
    Episode.objects.filter(client=p.rosa).update(
        opened_on=TODAY - dt.timedelta(days=1000), closed_on=TODAY - dt.timedelta(days=730)
    )
    with pytest.raises(CommandError, match="--yes"):
        call_command("purge")
    assert Client.objects.filter(pk=p.rosa.pk).exists()

    out = StringIO()
    call_command("purge", "--dry-run", "--agency", "river-city", stdout=out)
    listing = out.getvalue()
    assert str(p.rosa.pk) in listing and "Housing Stability (1)" in listing
    assert f"{p.dana_duplicate.pk}  river-city        2021-06-30  2022-07-01" in listing
    assert "2 client record(s) due for purge (dry run" in listing
    for name in ("Rosa", "Hernández", "Dana", "Whitfield"):
        assert name not in listing
    assert Client.objects.filter(pk=p.rosa.pk).exists()
    assert not audit_events(retention.PURGED)

    out = StringIO()
    call_command("purge", "--yes", stdout=out)
    assert "2 client record(s) purged" in out.getvalue()
    assert not Client.objects.filter(pk=p.rosa.pk).exists()
    assert audit_events(retention.PURGED, client_id=p.rosa.pk)
    assert audit_chain_verify().ok
    with pytest.raises(CommandError, match="agency"):
        call_command("purge", "--dry-run", "--agency", "nowhere")


def test_the_agency_admin_sets_the_period_where_programs_are_edited(personas, web):
    p = personas
    admin = web(p.admin)
    url = f"/admin/accounts/program/{p.housing_program.pk}/change/"
    page = admin.get(url)
    assert page.status_code == 200 and 'name="retention_years"' in page.content.decode()
    form = {
        "name": p.housing_program.name,
        "requires_plan_approval": "on",
        "reassessment_days": 90,
        "referral_follow_up_days": 5,
        "plan_review_days": 90,
        "no_contact_days": 30,
        "retention_years": 7,
    }
    assert admin.post(url, form).status_code == 302
    p.housing_program.refresh_from_db()
    assert p.housing_program.retention_years == 7
    refused = admin.post(url, {**form, "retention_years": 0})
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
