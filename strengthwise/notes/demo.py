"""Demo contact notes and check-ins (PERSONAS.md): Dana's visits in GIRP with her words in
quotes, an addendum, a draft alice has not finished (with a term the helper points out), and
check-ins on her housing goal that move up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from strengthwise.accounts.models import User
from strengthwise.assessments.demo import restamp, story_at, story_today
from strengthwise.people.models import Client, Episode
from strengthwise.plans.models import Goal

from . import services
from .models import Addendum, CheckIn, ClientTerms, Note

# (days ago, contact, minutes, who was there, GIRP sections, the hour and minute it began)
DANA_NOTES = [
    (
        40,
        "office",
        50,
        "Dana, Marisol",
        {
            "goal": "Move into an apartment Jayden and I can stay in.",
            "intervention": "Went through the rapid re-housing application together; "
            "listed landlords who accept vouchers.",
            "response": "Dana brought her folder of receipts and pay stubs — organised as always. "
            '"I want a door that locks and a room for Jayden."',
            "plan": "Dana gathers the last two pay stubs by Friday; I call two landlords.",
        },
        (10, 0),
    ),
    (
        21,
        "phone",
        15,
        "Dana",
        {
            "goal": "Apartment; the medical assistant course in the fall.",
            "intervention": "Called about the re-housing decision and the budgeting workshop.",
            "response": 'Approved for six months of rent help. "I can breathe for the first time '
            'since spring." Interested in the evening budgeting class.',
            "plan": "Referral to the budgeting workshop; viewing on Saturday with Marisol.",
        },
        (14, 0),
    ),
    (
        7,
        "community",
        60,
        "Dana, Jayden",
        {
            "goal": "Move into the apartment on Elm Street.",
            "intervention": "Met at the new apartment for the lease signing and walked to "
            "Jayden's school together.",
            "response": 'Dana read every clause and asked good questions. "Jayden picked his '
            'room already."',
            "plan": "Move on the 1st; I bring the furniture bank voucher on Tuesday.",
        },
        (15, 30),
    ),
]


@transaction.atomic
def load(**options: Any) -> dict[str, Any]:
    alice = User.objects.filter(username="alice").first()
    dana = Client.objects.filter(
        legal_first_name="Dana", legal_last_name="Whitfield", agency__slug="river-city"
    ).first()
    if alice is None or dana is None or Note.objects.filter(client=dana).exists():
        return {}
    today = story_today(dana.agency_id)
    ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731
    at = lambda days, h, m=0: story_at(dana.agency_id, ago(days), h, m)  # noqa: E731
    # Each note is started when the contact begins and signed when it ends (plus the time to
    # write it up); an addendum the next morning; the unfinished draft from yesterday.
    began: dict[int, dt.datetime] = {}
    # Statements are sealed (no SQL comparison): pick the goals out in Python.
    goals = list(Goal.objects.filter(client=dana).order_by("pk"))
    housing = next((g for g in goals if g.statement.startswith("Move into")), None)
    school = next((g for g in goals if g.statement.startswith("Start the medical")), None)
    made = 0
    for days_ago, kind, minutes, present, sections, (hour, minute) in DANA_NOTES:
        note = services.note_start(acting_user=alice, client=dana)
        goals = [g for g in (housing, school if days_ago == 21 else None) if g]
        note = services.note_save(
            acting_user=alice,
            note=note,
            fields={
                "contact_type": kind,
                "contact_date": today - dt.timedelta(days=days_ago),
                "duration_minutes": minutes,
                "present": present,
            },
            sections=sections,
            goals=goals,
        )
        note = services.note_sign(acting_user=alice, note=note)
        began[days_ago] = at(days_ago, hour, minute)
        signed = began[days_ago] + dt.timedelta(minutes=minutes + 15)
        restamp(Note, note.pk, began[days_ago], "created_at")
        restamp(Note, note.pk, signed, "updated_at", "signed_at", "autosaved_at")
        made += 1
        if days_ago == 21:
            addendum = services.addendum_add(
                acting_user=alice,
                note=note,
                text="Correction: the viewing is on Sunday, not Saturday (Marisol works Saturdays).",
            )
            restamp(Addendum, addendum.pk, at(days_ago - 1, 9, 10), "created_at")
    draft = services.note_start(acting_user=alice, client=dana, goal=school)
    services.note_save(
        acting_user=alice,
        note=draft,
        fields={
            "contact_type": "phone",
            "contact_date": ago(1),
            "duration_minutes": 10,
            "present": "Dana",
        },
        sections={
            "goal": "Start the medical assistant course in the fall.",
            "intervention": "Called about the college's fee waiver.",
            "response": 'Dana was resistant to the loan option. "I refused a loan once and I '
            'will again — I want to do this without debt."',
        },
        goals=[school] if school else [],
    )
    restamp(Note, draft.pk, at(1, 16, 15), "created_at")
    restamp(Note, draft.pk, at(1, 16, 25), "updated_at", "autosaved_at")
    # Other clients of alice: a few contacts, so "no contact for 30 days" varies.
    # Never before the episode they are in opened.
    for i, client in enumerate(
        Client.objects.filter(primary_worker=alice).exclude(pk=dana.pk).order_by("pk")[:60]
    ):
        opened = (
            Episode.objects.filter(client=client, closed_on__isnull=True)
            .order_by("-opened_on")
            .values_list("opened_on", flat=True)
            .first()
        )
        day = today - dt.timedelta(days=2 + (7 * i) % 45)
        if opened is not None:
            day = min(max(day, opened), today)
        note = services.note_start(acting_user=alice, client=client)
        note = services.note_save(
            acting_user=alice,
            note=note,
            fields={"contact_date": day, "contact_type": "office"},
            sections={"goal": "Check-in.", "response": "Talked about what went well this month."},
        )
        note = services.note_sign(acting_user=alice, note=note)
        start = story_at(dana.agency_id, day, 9 + i % 7, 15 * (i % 4))
        restamp(Note, note.pk, start, "created_at")
        signed = min(start + dt.timedelta(minutes=50), timezone.now())
        restamp(Note, note.pk, signed, "updated_at", "signed_at", "autosaved_at")
        made += 1
    if housing is not None:
        for days_ago, client_rating, worker_rating, confidence in [
            (40, 3, 3, 4),
            (21, 6, 5, 6),
            (7, 8, 7, 8),
        ]:
            checkin = services.checkin_add(
                acting_user=alice,
                goal=housing,
                fields={
                    "checked_on": today - dt.timedelta(days=days_ago),
                    "client_rating": client_rating,
                    "worker_rating": worker_rating,
                    "importance": 10,
                    "confidence": confidence,
                    "comment": "We're getting there." if days_ago == 7 else "",
                },
            )
            when = began.get(days_ago, at(days_ago, 12)) + dt.timedelta(minutes=10)
            restamp(CheckIn, checkin.pk, when, "created_at")
    terms = services.client_terms_save(acting_user=alice, client=dana, terms="sober; in recovery")
    restamp(ClientTerms, terms.pk, at(40, 11, 10), "updated_at")
    return {"notes": made + 1}
