"""Every Self-Sufficiency Matrix and every HRSN screen already kept becomes a response to the
agency's questionnaire for that instrument (one per agency, one published version per template
version, the same number), with its typed answers; nothing is dropped: a level or answer the
definition does not know is kept in the response as it was given. Reversible: going back
rebuilds the matrices and screens from the responses.

The definitions are built by today's code (`as_questionnaire.questionnaire_of`), the one place
that knows how an instrument's template reads as a Questionnaire."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import migrations
from django.utils import timezone

BATCH = 1000
SHIPPED = {"ssm": ("ssm", "instrument"), "screening": ("ahc-hrsn", "screen")}
CODE_SYSTEM = "https://strengthwise.example/fhir/CodeSystem/questionnaire"


class _Versions:
    """The agency's questionnaire and published version per (agency, instrument, number)."""

    def __init__(self, apps: Any) -> None:
        self.questionnaire = apps.get_model("questionnaires", "Questionnaire")
        self.version = apps.get_model("questionnaires", "QuestionnaireVersion")
        self.found: dict[tuple[int, str, int], tuple[Any, Any]] = {}

    def get(self, agency_id: int, kind: str, number: int, content: dict[str, Any]) -> Any:
        from strengthwise.assessments.as_questionnaire import questionnaire_of
        from strengthwise.questionnaires import definition as qdef

        key = (agency_id, kind, number)
        if key not in self.found:
            resource = questionnaire_of(
                agency_id=agency_id, kind=kind, content=content, version=number
            )
            short, purpose = SHIPPED[kind]
            q = self.questionnaire.objects.filter(agency_id=agency_id, shipped=kind).first()
            if q is None:
                taken = self.questionnaire.objects.filter(agency_id=agency_id, key=short).exists()
                q = self.questionnaire.objects.create(
                    agency_id=agency_id,
                    key=f"{short}-shipped" if taken else short,
                    purpose=purpose,
                    shipped=kind,
                    draft=resource,
                    draft_changed=False,
                )
            v = self.version.objects.filter(questionnaire=q, number=number).first()
            if v is None:
                v = self.version.objects.create(
                    agency_id=agency_id,
                    questionnaire=q,
                    number=number,
                    definition=resource,
                    published_at=timezone.now(),
                )
            self.found[key] = (v, qdef.read(v.definition))
        return self.found[key]


def _items(definition: Any, typed: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The response's items; an answer the definition has no question for is kept as given."""
    from strengthwise.questionnaires import definition as qdef

    items = qdef.response_items(definition, typed, {})
    known = {i.link_id for i in definition.walk()}
    for link_id, values in typed.items():
        if link_id not in known:
            items.append(
                {
                    "linkId": link_id,
                    "answer": [
                        {"valueCoding": {"system": CODE_SYSTEM, "code": str(v)}} for v in values
                    ],
                }
            )
    return items


def _values(answer_value: Any, response: Any, definition: Any, typed: dict[str, list[Any]]):
    for link_id, codes in typed.items():
        item = definition.find(link_id)
        if item is not None and item.type != "choice":
            continue  # a note: free text stays sealed in the response
        for code in codes:
            option = item.option(str(code)) if item is not None else None
            yield answer_value(
                agency_id=response.agency_id,
                response=response,
                questionnaire_id=response.questionnaire_id,
                client_id=response.client_id,
                link_id=link_id,
                code=str(code),
                number=option.score if option is not None else None,
            )


def _keep_created_at(model: Any) -> None:
    model._meta.get_field("created_at").auto_now_add = False


def forward(apps: Any, schema_editor: Any) -> None:
    from strengthwise.assessments.screening import hrsn_template
    from strengthwise.questionnaires import definition as qdef

    Response = apps.get_model("questionnaires", "QuestionnaireResponse")
    AnswerValue = apps.get_model("questionnaires", "AnswerValue")
    Administration = apps.get_model("assessments", "SsmAdministration")
    Score = apps.get_model("assessments", "SsmScore")
    Screening = apps.get_model("assessments", "ScreeningResponse")
    _keep_created_at(Response)
    versions = _Versions(apps)

    def keep(batch: list[tuple[Any, Any, dict[str, list[Any]]]]) -> None:
        Response.objects.bulk_create([r for r, _d, _t in batch])
        AnswerValue.objects.bulk_create(
            [v for r, d, t in batch for v in _values(AnswerValue, r, d, t)], batch_size=500
        )

    last = 0
    while True:
        matrices = list(
            Administration.objects.filter(pk__gt=last)
            .select_related("template")
            .order_by("pk")[:BATCH]
        )
        if not matrices:
            break
        last = matrices[-1].pk
        scores: dict[int, list[Any]] = defaultdict(list)
        for score in Score.objects.filter(administration_id__in=[m.pk for m in matrices]).order_by(
            "pk"
        ):
            scores[score.administration_id].append(score)
        batch = []
        for m in matrices:
            version, definition = versions.get(
                m.agency_id, "ssm", m.template.version, m.template.content
            )
            typed: dict[str, list[Any]] = {}
            for score in scores[m.pk]:
                typed[score.domain] = [str(score.score)]
                if score.note.strip():
                    typed[f"{score.domain}.note"] = [score.note.strip()]
            response = Response(
                agency_id=m.agency_id,
                client_id=m.client_id,
                questionnaire_id=version.questionnaire_id,
                version=version,
                member_id=m.member_id,
                occasion=m.kind,
                answered_on=m.administered_on,
                items=_items(definition, typed),
                score=qdef.total_score(definition, typed),
                derived={},
                recorded_by_id=m.recorded_by_id,
                created_at=m.created_at,
            )
            batch.append((response, definition, typed))
        keep(batch)

    last = 0
    while True:
        screens = list(Screening.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not screens:
            break
        last = screens[-1].pk
        batch = []
        for s in screens:
            version, definition = versions.get(
                s.agency_id, "screening", s.template_version, hrsn_template(s.template_version)
            )
            typed = {}
            for key, value in (s.answers or {}).items():
                codes = [str(c) for c in (value if isinstance(value, list) else [value])]
                codes = [c for c in codes if c not in ("", "None")]
                if codes:
                    typed[key] = codes
            response = Response(
                agency_id=s.agency_id,
                client_id=s.client_id,
                questionnaire_id=version.questionnaire_id,
                version=version,
                occasion="",
                answered_on=s.administered_on,
                items=_items(definition, typed),
                score=None,
                derived={"results": s.results or {}},
                recorded_by_id=s.recorded_by_id,
                created_at=s.created_at,
            )
            batch.append((response, definition, typed))
        keep(batch)


def backward(apps: Any, schema_editor: Any) -> None:
    """The matrices and screens again from the responses, then the responses removed."""
    from strengthwise.assessments.screening import hrsn_template
    from strengthwise.questionnaires import definition as qdef

    Response = apps.get_model("questionnaires", "QuestionnaireResponse")
    Questionnaire = apps.get_model("questionnaires", "Questionnaire")
    Administration = apps.get_model("assessments", "SsmAdministration")
    Score = apps.get_model("assessments", "SsmScore")
    Screening = apps.get_model("assessments", "ScreeningResponse")
    Template = apps.get_model("assessments", "AssessmentTemplate")
    _keep_created_at(Screening)
    for field in ("created_at", "updated_at"):
        f = Administration._meta.get_field(field)
        f.auto_now = f.auto_now_add = False
    for r in Response.objects.filter(questionnaire__shipped="ssm").select_related("version"):
        answers, _marks = qdef.answers_from_response(r.items or [])
        template = Template.objects.get(agency_id=r.agency_id, kind="ssm", version=r.version.number)
        m = Administration.objects.create(
            agency_id=r.agency_id,
            client_id=r.client_id,
            member_id=r.member_id,
            kind=r.occasion,
            administered_on=r.answered_on,
            template=template,
            recorded_by_id=r.recorded_by_id,
            created_at=r.created_at,
            updated_at=r.created_at,
        )
        Score.objects.bulk_create(
            [
                Score(
                    agency_id=r.agency_id,
                    administration=m,
                    domain=key,
                    score=int(values[0]),
                    note=str((answers.get(f"{key}.note") or [""])[0]),
                )
                for key, values in answers.items()
                if "." not in key
            ]
        )
    for r in Response.objects.filter(questionnaire__shipped="screening").select_related("version"):
        answers, _marks = qdef.answers_from_response(r.items or [])
        multiple = {i["key"] for i in hrsn_template(r.version.number)["items"] if i.get("multiple")}
        Screening.objects.create(
            agency_id=r.agency_id,
            client_id=r.client_id,
            administered_on=r.answered_on,
            template_version=r.version.number,
            answers={k: (v if k in multiple else v[0]) for k, v in answers.items()},
            results=(r.derived or {}).get("results", {}),
            recorded_by_id=r.recorded_by_id,
            created_at=r.created_at,
        )
    Response.objects.filter(questionnaire__shipped__in=["ssm", "screening"]).delete()
    Version = apps.get_model("questionnaires", "QuestionnaireVersion")
    Version.objects.filter(questionnaire__in=Questionnaire.objects.exclude(shipped="")).delete()
    Questionnaire.objects.exclude(shipped="").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0002_shipped_instruments"),
        ("assessments", "0006_sealed_strengths"),
    ]

    operations = [migrations.RunPython(forward, backward)]
