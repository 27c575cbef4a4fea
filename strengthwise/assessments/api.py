"""/api/v1/clients/{id}/assessments — the same services, selectors, access and audit as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema, Status

from strengthwise.accounts.access import access_client, access_client_object, record_reads
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.schemas import ErrorOut, InSchema, Protected, WhoseWords

from . import as_questionnaire, selectors, services
from .models import EcomapNode, Factor

router = Router(tags=["assessments"])

KINDS = ("strengths", "motivation", "ssm", "ecomap", "screening")


class Cell(Schema):
    text: str = Field(default="", max_length=2000)
    author: Literal["client", "worker", "together"] = "together"
    verbatim: bool = False


class StrengthsContent(Schema):
    domains: dict[str, dict[str, Cell]] = {}
    priorities: list[Cell] = []


class StrengthsIn(InSchema):
    kind: Literal["strengths"]
    version: int | None = Field(
        default=None, description="The assessment version you read (null for a first save)"
    )
    content: StrengthsContent


class MotivationIn(InSchema):
    kind: Literal["motivation"]
    recorded_on: dt.date | None = None
    dreams: str = Field(default="", max_length=2000)
    dreams_author: Literal["client", "worker", "together"] = "client"
    dreams_verbatim: bool = True
    obstacles: str = Field(default="", max_length=2000)
    obstacles_author: Literal["client", "worker", "together"] = "client"
    obstacles_verbatim: bool = True
    support: str = Field(default="", max_length=2000)
    support_author: Literal["client", "worker", "together"] = "client"
    support_verbatim: bool = True


class SsmScoreIn(InSchema):
    score: int = Field(ge=0, le=5)
    note: str = Field(default="", max_length=500)


class SsmIn(InSchema):
    kind: Literal["ssm"]
    administration: Literal["entry", "review", "exit"]
    administered_on: dt.date
    member_id: int | None = Field(
        default=None, description="Another adult of the household; null for the client"
    )
    scores: dict[str, SsmScoreIn]


class EcomapNodeIn(InSchema):
    label: str = Field(max_length=60)
    kind: EcomapNode.NodeKind
    level: Literal["micro", "meso", "macro"]
    strength: EcomapNode.Strength = EcomapNode.Strength.MODERATE
    quality: EcomapNode.Quality = EcomapNode.Quality.POSITIVE
    flow: EcomapNode.Flow = EcomapNode.Flow.BOTH
    note: str = Field(default="", max_length=200)


class EcomapIn(InSchema):
    kind: Literal["ecomap"]
    add_nodes: list[EcomapNodeIn] = []
    snapshot: bool = Field(default=False, description="Keep a dated copy after adding the nodes")


class ScreeningIn(InSchema):
    kind: Literal["screening"]
    administered_on: dt.date | None = None
    answers: dict[str, str | list[str] | None]


AssessmentIn = Annotated[
    StrengthsIn | MotivationIn | SsmIn | EcomapIn | ScreeningIn, Field(discriminator="kind")
]


def _strengths(client: Any) -> dict[str, Any] | None:
    assessment, _latest = selectors.strengths_assessment_get(client=client)
    if assessment is None:
        return None
    return {
        "version": assessment.version,
        "template_version": assessment.template.version,
        "versions": [
            {
                "number": v.number,
                "saved_at": v.saved_at,
                "saved_by": v.saved_by.username if v.saved_by else None,
                "by_client": v.by_client,
                "content": v.content,
            }
            for v in selectors.strengths_versions(assessment=assessment)
        ],
    }


def _motivation(client: Any) -> dict[str, Any]:
    return {
        "answers": [
            {
                "id": m.pk,
                "recorded_on": m.recorded_on,
                **{f: getattr(m, f) for f in services.MOTIVATION_FIELDS if f != "recorded_on"},
            }
            for m in selectors.motivation_history(client=client)
        ],
        "concerns": [
            {
                "id": c.pk,
                "label": c.label,
                "label_author": c.label_author,
                "label_verbatim": c.label_verbatim,
                "domain": c.domain,
                "ratings": [
                    {
                        "rated_on": r.rated_on,
                        "stage": r.stage,
                        "importance": r.importance,
                        "confidence": r.confidence,
                        "why_not_lower": r.why_not_lower,
                        "rated_by": r.rated_by,
                    }
                    for r in c.ratings.all()
                ],
            }
            for c in selectors.concerns_with_ratings(client=client)
        ],
    }


def _ssm(client: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "administration": a.kind,
            "administered_on": a.administered_on,
            "member": a.member.name if a.member else None,
            "template_version": a.template.version,
            "scores": {
                domain: {"score": score, "note": a.notes.get(domain, "")}
                for domain, score in a.scores.items()
            },
        }
        for a in selectors.ssm_administrations(client=client)
    ]


def _ecomap(client: Any) -> dict[str, Any]:
    return {
        "nodes": [
            {"id": n.pk, **{f: getattr(n, f) for f in services.NODE_FIELDS}}
            for n in selectors.ecomap_nodes(client=client)
        ],
        "snapshots": [
            {"id": s.pk, "taken_on": s.taken_on, "data": s.data}
            for s in selectors.ecomap_snapshots(client=client)
        ],
    }


def _screening(client: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": s.pk,
            "administered_on": s.administered_on,
            "template_version": s.template_version,
            "answers": s.answers,
            "results": s.results,
        }
        for s in selectors.screenings(client=client)
    ]


READERS = {
    "strengths": _strengths,
    "motivation": _motivation,
    "ssm": _ssm,
    "ecomap": _ecomap,
    "screening": _screening,
}


@router.get(
    "/clients/{client_id}/assessments",
    summary="A client's assessments, each with its versions or history",
)
def assessment_list(
    request: StaffRequest,
    client_id: str,
    kind: Literal["strengths", "motivation", "ssm", "ecomap", "screening"] | None = Query(None),
) -> dict[str, Any]:
    client = access_client(request.user, client_id, request=request)
    record_reads(
        request.user,
        request,
        action="assessments.viewed",
        clients=[client],
        detail={"kind": kind or "all"},
    )
    kinds = [kind] if kind else list(KINDS)
    return {k: READERS[k](client) for k in kinds}


@router.post(
    "/clients/{client_id}/assessments",
    response={201: dict[str, Any], 400: ErrorOut, 409: Any},
    summary="Save an assessment: a strengths version, motivation answers, a matrix, ecomap ties or a screen",
)
def assessment_create(request: StaffRequest, client_id: str, payload: AssessmentIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    user = request.user
    if isinstance(payload, StrengthsIn):
        services.strengths_assessment_revise(
            acting_user=user, client=client, version=payload.version, content=payload.content.dict()
        )
    elif isinstance(payload, MotivationIn):
        fields = payload.dict(exclude={"kind"})
        if fields["recorded_on"] is None:
            fields.pop("recorded_on")
        services.motivation_record_add(acting_user=user, client=client, fields=fields)
    elif isinstance(payload, SsmIn):
        services.ssm_administer(
            acting_user=user,
            client=client,
            kind=payload.administration,
            administered_on=payload.administered_on,
            scores={k: (v.score, v.note) for k, v in payload.scores.items()},
            member_id=payload.member_id,
        )
    elif isinstance(payload, EcomapIn):
        for node in payload.add_nodes:
            services.ecomap_node_add(acting_user=user, client=client, fields=node.dict())
        if payload.snapshot:
            services.ecomap_snapshot_take(acting_user=user, client=client)
    else:
        services.screening_record(
            acting_user=user,
            client=client,
            answers=payload.answers,
            administered_on=payload.administered_on,
        )
    return Status(201, {payload.kind: READERS[payload.kind](client)})


# --- factors: strengths and barriers by level ---------------------------------------------


class FactorIn(InSchema):
    description: str = Field(min_length=1, max_length=300)
    level: Literal["micro", "meso", "macro"] = Field(
        description="micro: the person; meso: family, friends, local groups; macro: class, "
        "discrimination, policy, the economy — context, never the client's deficit."
    )
    valence: Literal["strength", "barrier"]
    domain: str = Field(max_length=40, description="One of the agency's life domains.")
    author: WhoseWords = "together"
    verbatim: bool = False
    categories: list[Protected] | None = Field(
        default=None,
        description="Protected information it holds (shared only under a consent naming it). "
        "Omit to let the words suggest it; a list is the worker's confirmation.",
    )


class FactorOut(Schema):
    id: int
    description: str
    level: str
    valence: str
    domain: str
    author: str
    verbatim: bool
    categories: list[str]
    active: bool


def _factor(f: Factor) -> FactorOut:
    return FactorOut(
        id=f.pk,
        description=f.description,
        level=f.level,
        valence=f.valence,
        domain=f.domain,
        author=f.author,
        verbatim=f.verbatim,
        categories=list(f.categories or []),
        active=f.active,
    )


@router.get(
    "/clients/{client_id}/factors",
    response=list[FactorOut],
    summary="The client's active strengths and barriers, strengths first",
)
def factor_list(request: StaffRequest, client_id: str) -> Any:
    client = access_client(request.user, client_id, request=request, read="factors.viewed")
    groups = selectors.factors_for(client=client)
    return [_factor(f) for group in groups.values() for f in group]


@router.post(
    "/clients/{client_id}/factors",
    response={201: FactorOut, 400: ErrorOut},
    summary="Record a strength or a barrier with its level and life domain",
)
def factor_create(request: StaffRequest, client_id: str, body: FactorIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    factor = services.factor_add(acting_user=request.user, client=client, fields=body.dict())
    return Status(201, _factor(factor))


@router.post(
    "/factors/{factor_id}/set-aside",
    response={200: FactorOut},
    summary="Take a factor off the face sheet (it stays on record)",
)
def factor_set_aside(request: StaffRequest, factor_id: str) -> Any:
    factor = access_client_object(request.user, Factor, factor_id, write=True, request=request)
    return Status(200, _factor(services.factor_set_aside(acting_user=request.user, factor=factor)))


class ShippedQuestionnaireOut(Schema):
    kind: str
    resource: dict[str, Any] = Field(description="The FHIR R4 Questionnaire")


@router.get(
    "/questionnaires/shipped/{kind}",
    response=ShippedQuestionnaireOut,
    summary="A shipped instrument (matrix, screen, strengths) as the agency's FHIR Questionnaire",
)
def shipped_questionnaire(
    request: StaffRequest, kind: Literal["ssm", "screening", "strengths"]
) -> Any:
    return {
        "kind": kind,
        "resource": as_questionnaire.shipped_questionnaire(
            agency_id=int(request.user.agency_id or 0), kind=kind
        ),
    }
