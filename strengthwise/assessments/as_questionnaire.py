"""The shipped instruments as FHIR R4 Questionnaires, through the same definition module as an
agency's own (questionnaires/definition.py: the same rules, the same Spanish requirement), and
the matrices and screens, which are kept as the agency's QuestionnaireResponses against them.

The Self-Sufficiency Matrix (one scored choice per domain, levels 0–5 with their anchors, and the
worker's note on it), the AHC HRSN screen (each item's answers coded as in the template, "choose
not to answer" included) and the strengths assessment (a group per life domain, the client's
words in each column, the priorities) are built from the agency's template, so an agency's added
domains are in them. The matrix and the screen *run* on the questionnaire mechanism: each agency
has one `Questionnaire` per shipped instrument (`shipped`), one published version per template
version (the same number), and every matrix or screen is a `QuestionnaireResponse` with its
typed `AnswerValue`s (`shipped_version` below). The strengths assessment keeps its own record
and leaves as a Questionnaire only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from strengthwise.questionnaires import definition as qdef
from strengthwise.questionnaires.models import Questionnaire, QuestionnaireVersion

from .models import Kind
from .screening import hrsn_template
from .templates_data import template_current

T = qdef.Text
SHIPPED_KINDS = (Kind.SSM, Kind.SCREENING, Kind.STRENGTHS)


def _t(data: dict[str, Any], field: str) -> T:
    return T(str(data.get(field) or "").strip(), str(data.get(f"{field}_es") or "").strip())


def _ssm(content: dict[str, Any]) -> qdef.Definition:
    scale, scale_es = content["scale"], content.get("scale_es", {})
    items = []
    optional = {d["key"] for d in content.get("optional_domains", [])}
    for domain in [*content["domains"], *content.get("optional_domains", [])]:
        anchors, anchors_es = domain.get("anchors", {}), domain.get("anchors_es", {})
        options = []
        for level in range(6):
            en = str(scale.get(level, scale.get(str(level), "")))
            es = str(scale_es.get(level, scale_es.get(str(level), "")))
            anchor = anchors.get(level, anchors.get(str(level)))
            anchor_es = anchors_es.get(level, anchors_es.get(str(level)))
            options.append(
                qdef.Option(
                    code=str(level),
                    text=T(
                        f"{level} — {en}" + (f": {anchor}" if anchor else ""),
                        f"{level} — {es}" + (f": {anchor_es}" if anchor_es else ""),
                    ),
                    score=Decimal(level),
                )
            )
        items.append(
            qdef.Item(
                link_id=domain["key"],
                type="choice",
                text=_t(domain, "label"),
                required=domain["key"] not in optional,
                options=tuple(options),
                level="micro",
                author="worker",
            )
        )
        items.append(
            qdef.Item(
                link_id=note_id(domain["key"]),
                type="text",
                text=T(f"Note: {domain['label']}", f"Nota: {domain.get('label_es') or ''}".strip()),
                author="worker",
                max_length=500,
                enable_when=(qdef.Condition(domain["key"], "exists", True),),
            )
        )
    return qdef.Definition(
        title=T("Self-Sufficiency Matrix", "Matriz de autosuficiencia"),
        description=T(" ".join(content.get("rules", [])), " ".join(content.get("rules_es", []))),
        items=tuple(items),
    )


def _screening(content: dict[str, Any]) -> qdef.Definition:
    declined = content["declined_option"]
    items = []
    for item in content["items"]:
        options = [qdef.Option(o["key"], _t(o, "label")) for o in item["options"]]
        options.append(qdef.Option(declined["key"], _t(declined, "label")))
        items.append(
            qdef.Item(
                link_id=item["key"],
                type="choice",
                text=_t(item, "question"),
                repeats=bool(item.get("multiple")),
                options=tuple(options),
                level="macro"
                if item.get("domain") in ("living_situation", "utilities")
                else "micro",
            )
        )
    return qdef.Definition(
        title=_t(content, "name"), description=_t(content, "source"), items=tuple(items)
    )


def _strengths(content: dict[str, Any]) -> qdef.Definition:
    groups = []
    for domain in content["domains"]:
        groups.append(
            qdef.Item(
                link_id=domain["key"],
                type="group",
                text=_t(domain, "label"),
                domain=domain["key"] if domain["key"] in qdef.DOMAINS else "",
                items=tuple(
                    qdef.Item(
                        link_id=f"{domain['key']}.{column['key']}",
                        type="text",
                        text=_t(column, "label"),
                        help=_t(column, "prompt"),
                        domain=domain["key"] if domain["key"] in qdef.DOMAINS else "",
                        level="micro",
                    )
                    for column in content["columns"]
                ),
            )
        )
    priorities = content.get("priorities") or {}
    groups.append(
        qdef.Item(
            link_id="priorities",
            type="group",
            text=_t(priorities, "label") if priorities else T("Priorities", "Prioridades"),
            items=tuple(
                qdef.Item(
                    link_id=f"priorities.{n}",
                    type="text",
                    text=T(f"Priority {n}", f"Prioridad {n}"),
                )
                for n in (1, 2, 3)
            ),
        )
    )
    return qdef.Definition(
        title=T("Strengths assessment", "Evaluación de fortalezas"),
        description=_t(content, "intro"),
        items=tuple(groups),
    )


BUILDERS = {Kind.SSM: _ssm, Kind.SCREENING: _screening, Kind.STRENGTHS: _strengths}
#: The agency questionnaire each instrument that runs on the mechanism is kept as.
SHIPPED = {
    Kind.SSM: ("ssm", Questionnaire.Purpose.INSTRUMENT),
    Kind.SCREENING: ("ahc-hrsn", Questionnaire.Purpose.SCREEN),
}


def note_id(domain_key: str) -> str:
    """The link id of the worker's note on one matrix domain."""
    return f"{domain_key}.note"


def _url(agency_id: int, kind: str) -> str:
    if kind == Kind.SCREENING:  # the same CMS items for every agency
        return f"{settings.STRENGTHWISE_BASE_URL}/fhir/Questionnaire/ahc-hrsn-core"
    return f"{settings.STRENGTHWISE_BASE_URL}/fhir/Questionnaire/agency-{agency_id}-{kind}"


def shipped_questionnaire(*, agency_id: int, kind: str) -> dict[str, Any]:
    """The agency's current template of `kind` (ssm, strengths; screening: the HRSN items) as a
    FHIR Questionnaire; its version is the template's."""
    if kind == Kind.SCREENING:
        content, version = hrsn_template(), hrsn_template()["version"]
    else:
        template = template_current(agency_id=agency_id, kind=kind)
        content, version = template.content, template.version
    return questionnaire_of(agency_id=agency_id, kind=kind, content=content, version=version)


def questionnaire_of(
    *, agency_id: int, kind: str, content: dict[str, Any], version: int
) -> dict[str, Any]:
    """One version of a shipped instrument (a template's content) as a FHIR Questionnaire."""
    return qdef.to_fhir(
        BUILDERS[Kind(kind)](content),
        url=_url(agency_id, kind),
        name=f"strengthwise_{kind}",
        version=str(version),
        status="active",
    )


def shipped_version(
    *, agency_id: int, kind: str, content: dict[str, Any], version: int
) -> QuestionnaireVersion:
    """The agency's published version `version` of a shipped instrument (the matrix or the
    screen), made on first use: the agency's questionnaire for it, then the version, whose
    definition is the template's content as a Questionnaire. Two first uses at once: the loser
    reads the winner's rows (the unique constraints decide)."""
    key, purpose = SHIPPED[Kind(kind)]
    resource = questionnaire_of(agency_id=agency_id, kind=kind, content=content, version=version)
    questionnaire, _created = Questionnaire.objects.get_or_create(
        agency_id=agency_id,
        shipped=kind,
        defaults={"key": key, "purpose": purpose, "draft": resource, "draft_changed": False},
    )
    found = questionnaire.versions.filter(number=version).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            # The working copy shows the newest version (the editor does not change it).
            Questionnaire.objects.filter(pk=questionnaire.pk).update(draft=resource)
            return QuestionnaireVersion.objects.create(
                agency_id=agency_id,
                questionnaire=questionnaire,
                number=version,
                definition=resource,
                published_at=timezone.now(),
            )
    except IntegrityError:
        return questionnaire.versions.get(number=version)
