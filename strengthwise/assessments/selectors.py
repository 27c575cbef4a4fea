"""Reads for assessments. Callers have passed the access gate for `client`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from strengthwise.people.models import Client, HouseholdMember
from strengthwise.questionnaires import definition as qdef
from strengthwise.questionnaires.models import QuestionnaireResponse

from .models import (
    AssessmentTemplate,
    Concern,
    EcomapNode,
    EcomapSnapshot,
    Factor,
    Kind,
    Level,
    MotivationRecord,
    ReadinessRating,
    StrengthsAssessment,
    StrengthsAssessmentVersion,
    Valence,
)
from .screening import hrsn_template_shared
from .templates_data import localized, shipped_template, template_current


def strengths_assessment_get(
    *, client: Client
) -> tuple[StrengthsAssessment | None, StrengthsAssessmentVersion | None]:
    """The client's living assessment and its latest version (or Nones)."""
    assessment = (
        StrengthsAssessment.objects.select_related("template").filter(client=client).first()
    )
    if assessment is None:
        return None, None
    latest = assessment.versions.select_related("saved_by").order_by("-number").first()
    return assessment, latest


def strengths_versions(*, assessment: StrengthsAssessment) -> list[StrengthsAssessmentVersion]:
    return list(assessment.versions.select_related("saved_by").order_by("-number"))


@dataclass(frozen=True)
class CompareRow:
    section: str
    column: str
    left: dict[str, Any] | None
    right: dict[str, Any] | None

    @property
    def changed(self) -> bool:
        return (self.left or {}) != (self.right or {})


def strengths_compare(
    *, template: dict[str, Any], left: dict[str, Any], right: dict[str, Any]
) -> list[CompareRow]:
    """Rows for a side-by-side comparison of two versions, in template order."""
    rows = []
    for domain in template["domains"]:
        for column in template["columns"]:
            a = left.get("domains", {}).get(domain["key"], {}).get(column["key"])
            b = right.get("domains", {}).get(domain["key"], {}).get(column["key"])
            if (a and a.get("text")) or (b and b.get("text")):
                rows.append(CompareRow(domain["label"], column["label"], a, b))
    pa, pb = left.get("priorities", []), right.get("priorities", [])
    for rank in range(max(len(pa), len(pb))):
        rows.append(
            CompareRow(
                template["priorities"]["label"],
                f"#{rank + 1}",
                pa[rank] if rank < len(pa) else None,
                pb[rank] if rank < len(pb) else None,
            )
        )
    return rows


def factors_for(*, client: Client) -> dict[str, list[Factor]]:
    """Active factors grouped for display: strengths first; then the client's own barriers
    (micro: what they may want help with); then context, never the client's deficit —
    relationships (meso barriers: family, friends, community) and the wider world (macro
    barriers: class, discrimination, policy, the economy), which the agency may act on."""
    factors = list(Factor.objects.filter(client=client, active=True).order_by("id"))
    labels = dict(agency_life_domains(agency_id=client.agency_id)) if factors else {}
    for factor in factors:
        factor.domain_label = labels.get(factor.domain, factor.domain)  # type: ignore[attr-defined]
    return {
        "strengths": [f for f in factors if f.valence == Valence.STRENGTH],
        "barriers": [f for f in factors if f.valence == Valence.BARRIER and f.level == Level.MICRO],
        "relationships": [
            f for f in factors if f.valence == Valence.BARRIER and f.level == Level.MESO
        ],
        "context": [f for f in factors if f.valence == Valence.BARRIER and f.level == Level.MACRO],
    }


def motivation_history(*, client: Client) -> list[MotivationRecord]:
    return list(
        MotivationRecord.objects.filter(client=client)
        .select_related("recorded_by")
        .order_by("-recorded_on", "-id")
    )


def concerns_with_ratings(*, client: Client) -> list[Concern]:
    ratings = ReadinessRating.objects.order_by("rated_on", "id")
    return list(
        Concern.objects.filter(client=client)
        .prefetch_related(Prefetch("ratings", queryset=ratings))
        .order_by("id")
    )


@dataclass(frozen=True)
class Matrix:
    """One Self-Sufficiency Matrix as its pages read it: a response to the agency's matrix
    questionnaire, with the template version it was scored with (its words and anchors)."""

    response: QuestionnaireResponse
    template: AssessmentTemplate
    scores: dict[str, int]  # domain key → level 0–5
    notes: dict[str, str]  # domain key → the worker's note

    @property
    def pk(self) -> int:
        return self.response.pk

    @property
    def kind(self) -> str:
        return self.response.occasion

    def get_kind_display(self) -> str:
        return str(self.response.get_occasion_display())

    @property
    def administered_on(self) -> Any:
        return self.response.answered_on

    @property
    def member(self) -> HouseholdMember | None:
        return self.response.member

    @property
    def recorded_by(self) -> Any:
        return self.response.recorded_by


def _shipped_responses(client: Client, kind: str, **filters: Any) -> list[QuestionnaireResponse]:
    return list(
        QuestionnaireResponse.objects.filter(
            agency_id=client.agency_id, client=client, questionnaire__shipped=kind, **filters
        )
        .select_related("version", "member", "recorded_by")
        .order_by("answered_on", "id")
    )


def matrices_of(responses: list[QuestionnaireResponse]) -> list[Matrix]:
    """The responses (to the matrix questionnaire of one agency) as matrices: one query for the
    template versions they were scored with."""
    if not responses:
        return []
    templates = {
        t.version: t
        for t in AssessmentTemplate.objects.filter(
            agency_id=responses[0].agency_id,
            kind=Kind.SSM,
            version__in={r.version.number for r in responses},
        )
    }
    out = []
    for response in responses:
        answers, _marks = qdef.answers_from_response(response.items or [])
        scores = {k: int(v[0]) for k, v in answers.items() if "." not in k and str(v[0]).isdigit()}
        notes = {k[: -len(".note")]: str(v[0]) for k, v in answers.items() if k.endswith(".note")}
        out.append(Matrix(response, templates[response.version.number], scores, notes))
    return out


def ssm_administrations(*, client: Client, own_only: bool = False) -> list[Matrix]:
    """The client's matrices (and, unless `own_only`, those of other adults of the household),
    oldest first."""
    extra = {"member__isnull": True} if own_only else {}
    return matrices_of(_shipped_responses(client, Kind.SSM, **extra))


def ecomap_nodes(*, client: Client) -> list[EcomapNode]:
    return list(EcomapNode.objects.filter(client=client).order_by("id"))


def ecomap_snapshots(*, client: Client) -> list[EcomapSnapshot]:
    return list(
        EcomapSnapshot.objects.filter(client=client)
        .select_related("created_by")
        .order_by("-taken_on", "-id")
    )


@dataclass(frozen=True)
class Screen:
    """One AHC HRSN screen as its pages read it: a response to the agency's screening
    questionnaire, the answers keyed as the template keys them (a list for a several-answer
    item) and what the scoring concluded when it was recorded."""

    response: QuestionnaireResponse
    answers: dict[str, Any]
    results: dict[str, Any]

    @property
    def pk(self) -> int:
        return self.response.pk

    @property
    def administered_on(self) -> Any:
        return self.response.answered_on

    @property
    def template_version(self) -> int:
        return self.response.version.number

    @property
    def recorded_by(self) -> Any:
        return self.response.recorded_by


def screen_of(response: QuestionnaireResponse) -> Screen:
    answers, _marks = qdef.answers_from_response(response.items or [])
    try:
        multiple = {
            i["key"]
            for i in hrsn_template_shared(response.version.number)["items"]
            if i.get("multiple")
        }
    except ValueError:  # a version this code does not know: keep what was given
        multiple = set(answers)
    return Screen(
        response,
        {k: (v if k in multiple else v[0]) for k, v in answers.items()},
        dict((response.derived or {}).get("results", {})),
    )


def screenings(*, client: Client) -> list[Screen]:
    """The client's screens, newest first."""
    return [screen_of(r) for r in reversed(_shipped_responses(client, Kind.SCREENING))]


def screening_offered(*, client: Client) -> bool:
    """Whether one of the client's open episodes is in a program that offers the HRSN screen."""
    return client.episodes.filter(closed_on__isnull=True, program__offers_screening=True).exists()


def household_choices(*, client: Client) -> list[tuple[str, str]]:
    """The client's household members as (id, "name (relationship)"), for whose matrix."""
    return [(str(m.pk), f"{m.name} ({m.relationship})") for m in client.household.all()]


def household_at_home(*, client: Client) -> list[str]:
    """Names of the household members who live with the client (drawn in the ecomap's centre)."""
    return [m.name for m in client.household.all() if m.lives_with_client]


def face_sheet_assessment(*, client: Client) -> dict[str, Any]:
    """What the face sheet shows from assessments, in a constant number of queries."""
    assessment, latest = strengths_assessment_get(client=client)
    content = latest.content if latest else {"domains": {}, "priorities": []}
    labels = {
        d["key"]: localized(d, "label")
        for d in (assessment.template.content if assessment else shipped_template(Kind.STRENGTHS))[
            "domains"
        ]
    }
    aspirations = [
        (labels.get(key, key), columns["aspirations"])
        for key, columns in content["domains"].items()
        if columns.get("aspirations", {}).get("text")
    ]
    resources = [
        (labels.get(key, key), columns["resources"])
        for key, columns in content["domains"].items()
        if columns.get("resources", {}).get("text")
    ]
    motivation = (
        MotivationRecord.objects.filter(client=client).order_by("-recorded_on", "-id").first()
    )
    newest = (
        QuestionnaireResponse.objects.filter(
            agency_id=client.agency_id, client=client, questionnaire__shipped=Kind.SCREENING
        )
        .select_related("version")
        .order_by("-answered_on", "-id")
        .first()
    )
    latest_screen = screen_of(newest) if newest is not None else None
    return {
        "factors": factors_for(client=client),
        "aspirations": aspirations,
        "resources": resources,
        "priorities": content.get("priorities", []),
        "motivation": motivation,
        "screen_positive": [
            {**r, **_screen_words(key, latest_screen.template_version)}
            for key, r in latest_screen.results.items()
            if r.get("positive")
        ]
        if latest_screen
        else [],
        "strengths_version": latest,
    }


def _screen_words(domain_key: str, version: int) -> dict[str, str]:
    """A screening domain's label and suggestion in the reader's language (empty when the
    version or the domain is unknown: the saved English then stands)."""
    try:
        domains = {d["key"]: d for d in hrsn_template_shared(version)["domains"]}
    except ValueError:
        return {}
    domain = domains.get(domain_key)
    if domain is None:
        return {}
    return {
        "label": localized(domain, "label"),
        "suggestion": " ".join(str(localized(domain, "suggestion")).split()),
    }


def agency_life_domains(*, agency_id: int) -> list[tuple[str, str]]:
    """The agency's life domains as (key, label) choices, labels in the reader's language (an
    agency's own domain has only the words it was given)."""
    template = template_current(agency_id=agency_id, kind=Kind.STRENGTHS)
    return [(d["key"], localized(d, "label")) for d in template.content["domains"]]


def stages_of_change() -> list[tuple[str, str]]:
    """The stages of change in the reader's language, as (key, label) choices (motivation and
    the plan's goals use the same)."""
    return [(s["key"], localized(s, "label")) for s in shipped_template(Kind.MOTIVATION)["stages"]]
