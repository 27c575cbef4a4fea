"""Demo assessments for Dana Whitfield and Rosa Hernández (PERSONAS.md), written through the
services so that every record has its versions and audit events."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from strengthwise.accounts.models import Agency, Program, User
from strengthwise.people.models import Client
from strengthwise.questionnaires.models import QuestionnaireResponse

from . import services
from .models import (
    Concern,
    EcomapNode,
    EcomapSnapshot,
    Factor,
    MotivationRecord,
    ReadinessRating,
    StrengthsAssessment,
    StrengthsAssessmentVersion,
)

# --- the story's clock (shared by the demo modules of assessments, plans, notes, outcomes) ----
# The services stamp every row "now"; the demo tells a case that took months. After a service
# call the demo moves the row's own timestamps to the day the story says it happened, at a
# working-hours time in the agency's zone, never later than now. Audit events are left alone.


def story_today(agency: Agency | int) -> dt.date:
    """Today in the agency's zone (never later than the server's date, so the services'
    "not in the future" checks accept every story date)."""
    return timezone.localdate(timezone=_zone(agency))


def story_at(agency: Agency | int, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """`day` at hour:minute in the agency's zone, or now if that has not come yet."""
    at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=_zone(agency))
    return min(at, timezone.now())


def restamp(model: type[models.Model], pk: Any, at: dt.datetime, *fields: str) -> None:
    """Date one demo row's own timestamps (`created_at` and `updated_at` unless named)."""
    model._default_manager.filter(pk=pk).update(
        **{f: at for f in fields or ("created_at", "updated_at")}
    )


def _zone(agency: Agency | int) -> zoneinfo.ZoneInfo:
    if not isinstance(agency, Agency):
        agency = Agency.objects.only("timezone").get(pk=agency)
    return zoneinfo.ZoneInfo(agency.timezone)


def _c(text: str, author: str = "together", verbatim: bool = False) -> dict[str, Any]:
    return {"text": text, "author": author, "verbatim": verbatim}


def _dana_strengths(final: bool) -> dict[str, Any]:
    domains = {
        "daily_living": {
            "aspirations": _c(
                "A place with a door that locks and a room for Jayden.", "client", True
            ),
            "current_status": _c(
                "Weekly motel since the eviction last spring; Jayden shares her room."
            ),
            "resources": _c("Keeps every receipt and letter in one folder; knows the bus routes."),
        },
        "financial": {
            "aspirations": _c("Rent I can pay without skipping bills.", "client", True),
            "current_status": _c("Part-time pay; rent in River City is over half of it."),
            "resources": _c("Budgets week by week; has never missed the motel payment."),
        },
        "vocational_education": {
            "aspirations": _c(
                "I want to be a medical assistant — I'm good with scared people.", "client", True
            ),
            "current_status": _c("Part-time at the grocery store; finished her GED while working."),
            "resources": _c("Finished her GED while working; calm and kind with customers."),
        },
        "social_supports": {
            "aspirations": _c("Keep Jayden close to his aunt and his school friends.", "client"),
            "current_status": _c(
                "Sister Marisol drives her to appointments; tense with Jayden's father."
            ),
            "resources": _c("Marisol; the Tuesday meeting; friends at the Saturday market."),
        },
        "health": {
            "aspirations": _c("Stay sober and sleep better.", "client"),
            "current_status": _c("Six years sober; sleeps badly in the motel."),
            "resources": _c("Got herself sober six years ago and still goes to a Tuesday meeting."),
        },
        "leisure": {
            "aspirations": _c("Paint more, maybe teach Jayden.", "client"),
            "current_status": _c("Paints small canvases and sells them at the Saturday market."),
            "resources": _c("A painter — her canvases sell at the market."),
        },
        "spirituality_culture": {
            "aspirations": _c(""),
            "current_status": _c(""),
            "resources": _c(""),
        },
    }
    priorities = [
        _c("Move into an apartment Jayden and I can stay in", "client", True),
        _c("Start the medical assistant course in the fall", "client", True),
    ]
    if final:
        domains["spirituality_culture"] = {
            "aspirations": _c("Find a church near the new place.", "client"),
            "current_status": _c("Goes to the chapel near the motel now and then."),
            "resources": _c("Her faith got her through getting sober."),
        }
        domains["financial"]["current_status"] = _c(
            "Part-time pay; a voucher application is in; rent is still over half her pay."
        )
        priorities.append(_c("Get the eviction off my record", "client", True))
    return {"domains": domains, "priorities": priorities}


@transaction.atomic
def load(**options: Any) -> dict[str, Any]:
    alice = User.objects.filter(username="alice").first()
    dana = Client.objects.filter(
        legal_first_name="Dana", legal_last_name="Whitfield", agency__slug="river-city"
    ).first()
    if alice is None or dana is None:
        return {}
    Program.objects.filter(agency_id=dana.agency_id, name="Housing Stability").update(
        offers_screening=True
    )
    today = story_today(dana.agency_id)
    ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731
    at = lambda days, h, m=0: story_at(dana.agency_id, ago(days), h, m)  # noqa: E731
    # Dana's story (days ago): intake 120; first meeting 115 (screen, entry matrix, what she
    # wants); strengths assessment 110; plan 100 (plans/demo.py); review 20.

    services.strengths_assessment_revise(
        acting_user=alice, client=dana, version=None, content=_dana_strengths(False)
    )
    assessment = StrengthsAssessment.objects.get(client=dana)
    services.strengths_assessment_revise(
        acting_user=alice, client=dana, version=assessment.version, content=_dana_strengths(True)
    )
    # The first version was written at the strengths assessment, the second at the review.
    for number, when in ((1, at(110, 11, 40)), (2, at(20, 11, 30))):
        StrengthsAssessmentVersion.objects.filter(assessment=assessment, number=number).update(
            saved_at=when
        )
    StrengthsAssessment.objects.filter(pk=assessment.pk).update(
        created_at=at(110, 10, 0), updated_at=at(20, 11, 30)
    )

    first = services.motivation_record_add(
        acting_user=alice,
        client=dana,
        fields={
            "recorded_on": ago(115),
            "dreams": "A place of our own, somewhere Jayden can stay at the same school.",
            "obstacles": "The eviction. Landlords see it and stop reading.",
            "support": "Help me find places that take vouchers.",
        },
    )
    restamp(MotivationRecord, first.pk, at(115, 10, 20), "created_at")
    again = services.motivation_record_add(
        acting_user=alice,
        client=dana,
        fields={
            "recorded_on": ago(20),
            "dreams": "A place with a door that locks and a room for Jayden. And I want to be a medical assistant — I'm good with scared people.",
            "obstacles": "The eviction record, no car, and rent here is more than half my pay.",
            "support": "Help me find landlords who will look past the eviction, and keep me on track with the paperwork.",
        },
    )
    restamp(MotivationRecord, again.pk, at(20, 10, 10), "created_at")
    housing = services.concern_add(
        acting_user=alice,
        client=dana,
        label="Finding a place Jayden and I can stay in",
        domain="daily_living",
    )
    school = services.concern_add(
        acting_user=alice,
        client=dana,
        label="Going back to school for medical assisting",
        domain="vocational_education",
    )
    # Housing was named at the strengths assessment; school first came up two months ago.
    restamp(Concern, housing.pk, at(110, 11, 0))
    restamp(Concern, school.pk, at(60, 14, 0))
    for days, stage, imp, conf, why in [
        (110, "preparation", 10, 4, "I already have my papers together."),
        (60, "action", 10, 6, "Two landlords called me back."),
        (20, "action", 10, 7, "Rapid re-housing said yes."),
    ]:
        rating = services.readiness_rate(
            acting_user=alice,
            concern=housing,
            fields={
                "rated_on": ago(days),
                "stage": stage,
                "importance": imp,
                "confidence": conf,
                "why_not_lower": why,
            },
        )
        restamp(ReadinessRating, rating.pk, at(days, 11, 10), "created_at")
    for days, stage, imp, conf, why in [
        (60, "contemplation", 8, 3, "I help my neighbours when they're sick."),
        (
            20,
            "contemplation",
            9,
            4,
            "I'm at 4 and not lower because I finished my GED while working.",
        ),
    ]:
        rating = services.readiness_rate(
            acting_user=alice,
            concern=school,
            fields={
                "rated_on": ago(days),
                "stage": stage,
                "importance": imp,
                "confidence": conf,
                "why_not_lower": why,
            },
        )
        restamp(ReadinessRating, rating.pk, at(days, 14, 15), "created_at")

    for description, level, valence, domain, author, verbatim in [
        (
            "A painter — sells small canvases at the Saturday market",
            "micro",
            "strength",
            "leisure",
            "together",
            False,
        ),
        (
            "Close to her sister Marisol, who drives her to appointments",
            "meso",
            "strength",
            "social_supports",
            "together",
            False,
        ),
        (
            "Got herself sober six years ago; still goes to a Tuesday meeting",
            "micro",
            "strength",
            "health",
            "client",
            False,
        ),
        (
            "Organised — keeps every receipt in a folder",
            "micro",
            "strength",
            "financial",
            "worker",
            False,
        ),
        (
            "I'm good with scared people.",
            "micro",
            "strength",
            "vocational_education",
            "client",
            True,
        ),
        ("No car", "micro", "barrier", "daily_living", "together", False),
        (
            "Tense relationship with Jayden's father",
            "meso",
            "barrier",
            "social_supports",
            "together",
            False,
        ),
        (
            "An eviction record from last spring",
            "micro",
            "barrier",
            "daily_living",
            "together",
            False,
        ),
        (
            "River City rents are over half of a part-time wage (housing market)",
            "macro",
            "barrier",
            "financial",
            "worker",
            False,
        ),
        (
            "Landlords who turn away applicants with housing vouchers",
            "macro",
            "barrier",
            "daily_living",
            "worker",
            False,
        ),
    ]:
        factor = services.factor_add(
            acting_user=alice,
            client=dana,
            fields={
                "description": description,
                "level": level,
                "valence": valence,
                "domain": domain,
                "author": author,
                "verbatim": verbatim,
            },
        )
        restamp(Factor, factor.pk, at(110, 11, 20))

    entry = {
        "income": 2,
        "employment": 2,
        "housing": 1,
        "food": 3,
        "childcare": 3,
        "childrens_education": 4,
        "adult_education": 3,
        "legal": 2,
        "health_care_coverage": 3,
        "life_skills": 4,
        "mental_health": 3,
        "substance_use": 5,
        "family_relations": 3,
        "mobility": 2,
        "community_involvement": 3,
        "safety": 3,
        "parenting_skills": 4,
    }
    review = {**entry, "housing": 2, "income": 3, "legal": 2, "food": 4, "mobility": 3}
    entry_matrix = services.ssm_administer(
        acting_user=alice,
        client=dana,
        kind="entry",
        administered_on=ago(115),
        scores={
            k: (v, "Weekly motel after the eviction" if k == "housing" else "")
            for k, v in entry.items()
        },
    )
    restamp(QuestionnaireResponse, entry_matrix.pk, at(115, 10, 50), "created_at")
    review_matrix = services.ssm_administer(
        acting_user=alice,
        client=dana,
        kind="review",
        administered_on=ago(20),
        scores={
            k: (v, "Rapid re-housing accepted" if k == "housing" else "") for k, v in review.items()
        },
    )
    restamp(QuestionnaireResponse, review_matrix.pk, at(20, 10, 40), "created_at")

    for label, kind, level, strength, quality, flow in [
        ("Jayden (son)", "family", "meso", "strong", "positive", "both"),
        ("Marisol (sister)", "family", "meso", "strong", "positive", "both"),
        ("Tuesday meeting", "community", "meso", "strong", "positive", "to_client"),
        ("Grocery store job", "work", "meso", "tenuous", "neutral", "from_client"),
        ("Jayden's school", "school", "meso", "moderate", "positive", "both"),
        ("Saturday market", "community", "meso", "strong", "positive", "both"),
        ("River City Community Services", "services", "meso", "strong", "positive", "to_client"),
    ]:
        node = services.ecomap_node_add(
            acting_user=alice,
            client=dana,
            fields={
                "label": label,
                "kind": kind,
                "level": level,
                "strength": strength,
                "quality": quality,
                "flow": flow,
            },
        )
        restamp(EcomapNode, node.pk, at(110, 11, 30))
    copy = services.ecomap_snapshot_take(acting_user=alice, client=dana, taken_on=ago(110))
    restamp(EcomapSnapshot, copy.pk, at(110, 11, 35), "created_at")
    for label, kind, level, strength, quality, flow in [
        ("Jayden's father", "family", "meso", "tenuous", "stressful", "from_client"),
        ("Motel manager", "other", "meso", "moderate", "stressful", "from_client"),
        ("Housing voucher office", "services", "macro", "tenuous", "neutral", "to_client"),
    ]:
        node = services.ecomap_node_add(
            acting_user=alice,
            client=dana,
            fields={
                "label": label,
                "kind": kind,
                "level": level,
                "strength": strength,
                "quality": quality,
                "flow": flow,
            },
        )
        restamp(EcomapNode, node.pk, at(20, 11, 0))
    copy = services.ecomap_snapshot_take(acting_user=alice, client=dana, taken_on=ago(20))
    restamp(EcomapSnapshot, copy.pk, at(20, 11, 20), "created_at")

    screen = services.screening_record(
        acting_user=alice,
        client=dana,
        administered_on=ago(115),
        answers={
            "living_situation": "not_steady",
            "housing_problems": ["none"],
            "food_worry": "sometimes",
            "food_ran_out": "never",
            "transportation": "yes",
            "utilities": "no",
            "safety_hurt": "never",
            "safety_insult": "rarely",
            "safety_threaten": "never",
            "safety_scream": "sometimes",
        },
    )
    restamp(QuestionnaireResponse, screen.pk, at(115, 10, 35), "created_at")

    rosa = Client.objects.filter(legal_first_name="Rosa", agency_id=dana.agency_id).first()
    if rosa is not None:
        # Rosa's episode opened 45 days ago; she and alice talked about what she wants at 30.
        record = services.motivation_record_add(
            acting_user=alice,
            client=rosa,
            fields={
                "recorded_on": ago(30),
                "dreams": "Tener mi propio taller de costura.",
                "obstacles": "No tengo dinero para las máquinas.",
                "support": "Ayúdeme a encontrar un programa para pequeños negocios.",
            },
        )
        restamp(MotivationRecord, record.pk, at(30, 15, 0), "created_at")
        for description, level, domain in [
            ("Her church community", "meso", "spirituality_culture"),
            ("Twenty years as a seamstress", "micro", "vocational_education"),
            ("A wide network of neighbours", "meso", "social_supports"),
        ]:
            factor = services.factor_add(
                acting_user=alice,
                client=rosa,
                fields={
                    "description": description,
                    "level": level,
                    "valence": "strength",
                    "domain": domain,
                },
            )
            restamp(Factor, factor.pk, at(30, 15, 20))
    return {"dana": dana.pk}
