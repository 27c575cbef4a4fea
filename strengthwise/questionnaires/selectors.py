"""Reading the agency's questionnaires and a client's answers (keyword-only, as everywhere)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from strengthwise.accounts.models import Program
from strengthwise.core import keyset
from strengthwise.people.models import Client

from . import definition as qdef
from .models import Questionnaire, QuestionnaireResponse, QuestionnaireVersion

_PARSED: dict[tuple[int, str], qdef.Definition] = {}


def definition_of(version: QuestionnaireVersion) -> qdef.Definition:
    """The definition of a published version. Versions never change, so each is read once per
    process (keyed by id and publication time, which no two versions share)."""
    key = (version.pk, version.published_at.isoformat())
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) > 1000:
            _PARSED.clear()
        parsed = _PARSED[key] = qdef.read(version.definition)
    return parsed


def latest_version(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    return questionnaire.versions.order_by("-number").first()


def questionnaire_list(*, visible_to: Any, published_only: bool = False) -> list[Questionnaire]:
    """The agency's questionnaires, each with `latest` (its newest version or None)."""
    rows = list(
        Questionnaire.objects.filter(agency_id=visible_to.agency_id)
        .select_related("program")
        .order_by("purpose", "key")
    )
    latest: dict[int, QuestionnaireVersion] = {}
    for version in QuestionnaireVersion.objects.filter(agency_id=visible_to.agency_id).order_by(
        "questionnaire_id", "number"
    ):
        latest[version.questionnaire_id] = version
    for q in rows:
        q.latest = latest.get(q.pk)  # type: ignore[attr-defined]
    if published_only:
        rows = [q for q in rows if q.latest is not None and not q.retired]  # type: ignore[attr-defined]
    return rows


def questionnaire_get(*, visible_to: Any, questionnaire_id: int) -> Questionnaire | None:
    """One of the agency's questionnaires (None for another agency's or an unknown id)."""
    return (
        Questionnaire.objects.filter(agency_id=visible_to.agency_id, pk=questionnaire_id)
        .select_related("program")
        .first()
    )


def version_get(*, questionnaire: Questionnaire, number: int) -> QuestionnaireVersion | None:
    return questionnaire.versions.filter(number=number).first()


def versions(*, questionnaire: Questionnaire) -> list[QuestionnaireVersion]:
    return list(questionnaire.versions.select_related("published_by").order_by("number"))


def client_questionnaires(*, client: Client) -> list[dict[str, Any]]:
    """What the agency asks about this client, by purpose: the record's extra fields, the
    intake questions of the client's programs, the instruments; each with its answers (oldest
    first) and the version each was answered with. Three queries whatever the number. The
    matrix and the screen run on the same mechanism but have their own pages: not here."""
    program_ids = set(client.episodes.values_list("program_id", flat=True))
    questionnaires = [
        q
        for q in Questionnaire.objects.filter(
            agency_id=client.agency_id, shipped=""
        ).select_related("program")
        if q.purpose != Questionnaire.Purpose.INTAKE or q.program_id in program_ids
    ]
    versions_by_q: dict[int, QuestionnaireVersion] = {}
    for version in QuestionnaireVersion.objects.filter(
        questionnaire__in=[q.pk for q in questionnaires]
    ).order_by("number"):
        versions_by_q[version.questionnaire_id] = version
    responses: dict[int, list[QuestionnaireResponse]] = {}
    for response in (
        QuestionnaireResponse.objects.filter(
            agency_id=client.agency_id, client=client, questionnaire__shipped=""
        )
        .select_related("version", "recorded_by", "questionnaire")
        .order_by("answered_on", "id")
    ):
        responses.setdefault(response.questionnaire_id, []).append(response)
    out = []
    for q in questionnaires:
        given = responses.get(q.pk, [])
        latest = versions_by_q.get(q.pk)
        if (latest is None or q.retired) and not given:
            continue
        out.append(
            {
                "questionnaire": q,
                "latest": latest if not q.retired else None,
                "responses": given,
                "definition": definition_of(latest) if latest is not None else None,
            }
        )
    return out


def response_page(
    *, visible_to: Any, client: Client, limit: int = keyset.DEFAULT_LIMIT, cursor: str = ""
) -> keyset.KeysetPage[QuestionnaireResponse]:
    """A page of the client's answers (the client opened through `access_client`), oldest
    first (then by id), across questionnaires: the ones `client_questionnaires` shows (an
    intake questionnaire only of one of the client's programs). Raises keyset.InvalidCursor
    for a cursor this list did not give out."""
    hidden_intake = Q(questionnaire__purpose=Questionnaire.Purpose.INTAKE) & ~Q(
        questionnaire__program_id__in=client.episodes.values("program_id")
    )
    return keyset.keyset_page(
        QuestionnaireResponse.objects.filter(
            agency_id=client.agency_id, client=client, questionnaire__shipped=""
        )
        .exclude(hidden_intake)
        .select_related("version", "recorded_by", "questionnaire"),
        order=("answered_on", "id"),
        scope=f"questionnaire-responses:{client.pk}",
        limit=limit,
        cursor=cursor,
    )


def response_get(*, client: Client, response_id: int) -> QuestionnaireResponse | None:
    return (
        QuestionnaireResponse.objects.filter(client=client, pk=response_id)
        .select_related("version", "questionnaire", "recorded_by")
        .first()
    )


def agency_programs(*, visible_to: Any) -> list[Program]:
    return list(Program.objects.filter(agency_id=visible_to.agency_id).order_by("name"))


def response_resource(response: QuestionnaireResponse) -> dict[str, Any]:
    """The response as a FHIR R4 QuestionnaireResponse (the subject is `Patient/client-<id>`,
    as in the client's FHIR bundle)."""
    version = response.version
    return qdef.response_resource(
        rid=f"qr-{response.pk}",
        questionnaire=f"{version.definition.get('url', '')}|{version.number}",
        client_id=response.client_id,
        authored=response.answered_on,
        items=response.items,
    )


def newest_responses(*, client: Client) -> list[QuestionnaireResponse]:
    """The newest response to each questionnaire the client answered (one query)."""
    newest: dict[int, QuestionnaireResponse] = {}
    for response in (
        QuestionnaireResponse.objects.filter(
            agency_id=client.agency_id, client=client, questionnaire__shipped=""
        )
        .select_related("version", "questionnaire")
        .order_by("questionnaire__purpose", "answered_on", "id")
    ):
        newest[response.questionnaire_id] = response
    return list(newest.values())


def intake_to_ask(*, client: Client) -> list[QuestionnaireVersion]:
    """The newest version of each intake questionnaire of the client's open programs that the
    client has not answered yet (one query)."""
    open_programs = client.episodes.filter(closed_on__isnull=True).values("program_id")
    answered = QuestionnaireResponse.objects.filter(client=client).values("questionnaire_id")
    newest: dict[int, QuestionnaireVersion] = {}
    for version in (
        QuestionnaireVersion.objects.filter(
            agency_id=client.agency_id,
            questionnaire__purpose=Questionnaire.Purpose.INTAKE,
            questionnaire__retired=False,
            questionnaire__program_id__in=open_programs,
        )
        .exclude(questionnaire_id__in=answered)
        .order_by("questionnaire_id", "number")
    ):
        newest[version.questionnaire_id] = version
    return list(newest.values())
