"""/api/v1/questionnaires (the agency's published definitions, as FHIR R4 Questionnaires) and
/api/v1/clients/{id}/questionnaire-responses — the same services and selectors as the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from strengthwise.accounts.access import (
    access_client,
    access_questionnaire,
    may_edit_questionnaires,
)
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.keyset import link_next
from strengthwise.core.schemas import (
    PAGED,
    PAGED_OPENAPI,
    ConflictOut,
    ErrorOut,
    InSchema,
    PageQuery,
)

from . import selectors, services
from .models import Questionnaire, QuestionnaireResponse

router = Router(tags=["questionnaires"])


class QuestionnaireOut(Schema):
    id: int
    key: str
    purpose: str
    program_id: int | None
    version: int = Field(description="The newest published version")
    retired: bool
    resource: dict[str, Any] = Field(description="The FHIR R4 Questionnaire of that version")


class ResponseOut(Schema):
    id: int
    questionnaire_id: int
    questionnaire_key: str
    version: int = Field(description="The version answered: the words the questions had")
    occasion: str = Field(description="entry, review or exit for an instrument; else empty")
    answered_on: dt.date
    score: float | None
    recorded_by: str
    resource: dict[str, Any] = Field(description="A FHIR R4 QuestionnaireResponse")


class ResponseIn(InSchema):
    questionnaire_id: int
    answers: dict[str, bool | int | float | str | list[str] | None] = Field(
        description="By link id: a value (a code for a choice), a list of codes where the "
        "question takes several, or null. Nothing may be sent for a question not asked."
    )
    exact_words: dict[str, bool] = Field(
        default={}, description="For the client's free-text answers: their exact words?"
    )
    occasion: str = Field(default="", max_length=10, description="entry, review or exit")
    answered_on: dt.date | None = None
    version: int | None = Field(
        default=None, description="The version you showed; a newer published one answers 409"
    )


def _questionnaire(q: Questionnaire) -> dict[str, Any]:
    return {
        "id": q.pk,
        "key": q.key,
        "purpose": q.purpose,
        "program_id": q.program_id,
        "version": q.latest.number,  # type: ignore[attr-defined]
        "retired": q.retired,
        "resource": q.latest.definition,  # type: ignore[attr-defined]
    }


def _response(response: QuestionnaireResponse) -> dict[str, Any]:
    return {
        "id": response.pk,
        "questionnaire_id": response.questionnaire_id,
        "questionnaire_key": response.questionnaire.key,
        "version": response.version.number,
        "occasion": response.occasion,
        "answered_on": response.answered_on,
        "score": float(response.score) if response.score is not None else None,
        "recorded_by": response.recorded_by.username,
        "resource": selectors.response_resource(response),
    }


@router.get(
    "/questionnaires",
    response=list[QuestionnaireOut],
    summary="The agency's published questionnaires, each as its newest FHIR version",
)
def questionnaire_list(request: StaffRequest) -> Any:
    return [
        _questionnaire(q)
        for q in selectors.questionnaire_list(visible_to=request.user, published_only=True)
    ]


@router.get(
    "/questionnaires/{questionnaire_id}",
    response={200: QuestionnaireOut, 404: ErrorOut},
    summary="One published questionnaire; `version` picks an older one",
)
def questionnaire_get(
    request: StaffRequest, questionnaire_id: str, version: int | None = Query(None, ge=1)
) -> Any:
    questionnaire = access_questionnaire(request.user, questionnaire_id)
    chosen = (
        selectors.version_get(questionnaire=questionnaire, number=version)
        if version
        else selectors.latest_version(questionnaire)
    )
    if chosen is None:
        raise Http404("No such version")
    questionnaire.latest = chosen  # type: ignore[attr-defined]
    return _questionnaire(questionnaire)


class ImportIn(InSchema):
    key: str = Field(max_length=60, description="The short name (letters, digits, '-')")
    purpose: str = Field(description="client_fields, intake or instrument")
    program_id: int | None = Field(default=None, description="The program (intake questions)")
    resource: dict[str, Any] = Field(description="A FHIR R4 Questionnaire")


class DraftOut(Schema):
    id: int
    key: str
    purpose: str
    program_id: int | None
    draft: dict[str, Any] = Field(description="The working draft as a FHIR R4 Questionnaire")


class PublishedOut(Schema):
    id: int
    version: int
    resource: dict[str, Any]


@router.post(
    "/questionnaires",
    response={201: DraftOut, 400: ErrorOut, 404: ErrorOut},
    summary="Import a FHIR R4 Questionnaire as a new draft (agency admins)",
)
def questionnaire_import(request: StaffRequest, body: ImportIn) -> Any:
    if not may_edit_questionnaires(request.user):
        raise Http404("Not found")
    questionnaire = services.questionnaire_import(
        acting_user=request.user,
        text=json.dumps(body.resource),
        key=body.key,
        purpose=body.purpose,
        program_id=body.program_id,
    )
    return Status(
        201,
        {
            "id": questionnaire.pk,
            "key": questionnaire.key,
            "purpose": questionnaire.purpose,
            "program_id": questionnaire.program_id,
            "draft": questionnaire.draft,
        },
    )


@router.post(
    "/questionnaires/{questionnaire_id}/publish",
    response={201: PublishedOut, 400: ErrorOut, 404: ErrorOut},
    summary="Publish the draft as a new version (agency admins); every problem is named",
)
def questionnaire_publish(request: StaffRequest, questionnaire_id: str) -> Any:
    questionnaire = access_questionnaire(request.user, questionnaire_id, edit=True)
    version = services.questionnaire_publish(acting_user=request.user, questionnaire=questionnaire)
    return Status(
        201, {"id": questionnaire.pk, "version": version.number, "resource": version.definition}
    )


@router.get(
    "/clients/{client_id}/questionnaire-responses",
    response={200: list[ResponseOut], 400: ErrorOut},
    summary="The client's answers to the agency's questionnaires, oldest first",
    description="Oldest first (then by id), across questionnaires." + PAGED,
    openapi_extra=PAGED_OPENAPI,
)
def response_list(
    request: StaffRequest, response: HttpResponse, client_id: str, page: Query[PageQuery]
) -> Any:
    client = access_client(request.user, client_id, request=request, read="questionnaires.viewed")
    found = selectors.response_page(
        visible_to=request.user, client=client, limit=page.limit, cursor=page.cursor
    )
    link_next(request, response, found.next_cursor)
    return [_response(r) for r in found.rows]


@router.post(
    "/clients/{client_id}/questionnaire-responses",
    response={201: ResponseOut, 400: ErrorOut, 409: ConflictOut},
    summary="Record the client's answers to the newest version of a questionnaire",
)
def response_create(request: StaffRequest, client_id: str, body: ResponseIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    response = services.response_record(
        acting_user=request.user,
        client=client,
        questionnaire_id=body.questionnaire_id,
        answers=body.answers,
        exact_words=body.exact_words,
        occasion=body.occasion,
        answered_on=body.answered_on,
        version_number=body.version,
    )
    found = selectors.response_get(client=client, response_id=response.pk)
    return Status(201, _response(found or response))
