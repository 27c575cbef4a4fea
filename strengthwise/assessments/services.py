"""Writes for assessments. Each is one transaction with its audit event (DESIGN §3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from strengthwise.accounts.models import User
from strengthwise.audit.services import HIDDEN, audit_record, changed_fields
from strengthwise.core import sensitivity
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.fields import sealed_fields
from strengthwise.core.validation import not_in_future, parse_id, refuse_nul, validated
from strengthwise.people.models import Client, HouseholdMember
from strengthwise.questionnaires.models import QuestionnaireResponse
from strengthwise.questionnaires.services import response_create

from . import as_questionnaire
from . import screening as hrsn
from .models import (
    Author,
    Concern,
    EcomapNode,
    EcomapSnapshot,
    Factor,
    Kind,
    MotivationRecord,
    ReadinessRating,
    StrengthsAssessment,
    StrengthsAssessmentVersion,
)
from .templates_data import shipped_template, template_current

MAX_TEXT = 2000
FACTOR_FIELDS = ("description", "level", "valence", "domain", "author", "verbatim")
# A strength's words are sealed at rest; the audit trail (not encrypted) says only that they
# were written.
FACTOR_SEALED = tuple(f.name for f in sealed_fields(Factor))
MOTIVATION_TEXTS = ("dreams", "obstacles", "support")
MOTIVATION_FIELDS = (
    "recorded_on",
    "dreams",
    "dreams_author",
    "dreams_verbatim",
    "obstacles",
    "obstacles_author",
    "obstacles_verbatim",
    "support",
    "support_author",
    "support_verbatim",
)
RATING_FIELDS = (
    "rated_on",
    "stage",
    "importance",
    "confidence",
    "why_not_lower",
    "why_author",
    "rated_by",
)
ENTRY, REVIEW, EXIT = QuestionnaireResponse.Occasion.values
OCCASIONS = (ENTRY, REVIEW, EXIT)
NODE_FIELDS = ("label", "kind", "level", "strength", "quality", "flow", "note")


def life_domains(agency_id: int) -> dict[str, str]:
    """The agency's life domains (those of its strengths assessment): key → label."""
    template = template_current(agency_id=agency_id, kind=Kind.STRENGTHS)
    return {d["key"]: d["label"] for d in template.content["domains"]}


# --- strengths assessment -------------------------------------------------------------------


def _cell(raw: Any, default_author: str, where: str) -> dict[str, Any]:
    raw = raw if isinstance(raw, Mapping) else {}
    text = str(raw.get("text") or "").strip()
    author = raw.get("author") or default_author
    if author not in Author.values:
        raise ValidationFailed(
            _("Unknown author at %(where)s.") % {"where": where},
            field_errors={where: [_("Choose who said it.")]},
        )
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("Text too long at %(where)s.") % {"where": where},
            field_errors={
                where: [
                    ngettext(
                        "Keep it under %(n)d character.",
                        "Keep it under %(n)d characters.",
                        MAX_TEXT,
                    )
                    % {"n": MAX_TEXT}
                ]
            },
        )
    if "\x00" in text:
        raise ValidationFailed(
            _("Null characters are not allowed."),
            field_errors={where: [_("Null characters are not allowed.")]},
        )
    return {"text": text, "author": author, "verbatim": bool(raw.get("verbatim")) and bool(text)}


def strengths_content_normalise(
    template: Mapping[str, Any], raw: Mapping[str, Any]
) -> dict[str, Any]:
    """Check a document against its template and return it in canonical form.

    `raw` = {"domains": {domain: {column: {"text", "author", "verbatim"}}}, "priorities": [cell, …]}.
    Unknown domains or columns are refused, so nothing typed is silently dropped.
    """
    domains_raw = raw.get("domains", {})
    if domains_raw is None:
        domains_raw = {}
    if not isinstance(domains_raw, Mapping):
        raise ValidationFailed(_("The assessment is not in the expected shape."))
    keys = [d["key"] for d in template["domains"]]
    columns = template["columns"]
    unknown = sorted(set(domains_raw) - set(keys))
    if unknown:
        raise ValidationFailed(_("Unknown life domains: %(d)s") % {"d": ", ".join(unknown)})
    domains: dict[str, Any] = {}
    for key in keys:
        given = domains_raw.get(key) or {}
        if not isinstance(given, Mapping):
            raise ValidationFailed(_("The assessment is not in the expected shape."))
        bad_columns = sorted(set(given) - {c["key"] for c in columns})
        if bad_columns:
            raise ValidationFailed(_("Unknown columns: %(c)s") % {"c": ", ".join(bad_columns)})
        domains[key] = {
            c["key"]: _cell(
                given.get(c["key"]), c.get("default_author", Author.TOGETHER), f"{key}.{c['key']}"
            )
            for c in columns
        }
    priorities_raw = raw.get("priorities", [])
    if priorities_raw is None:
        priorities_raw = []
    if not isinstance(priorities_raw, list):
        raise ValidationFailed(_("Priorities must be a list."))
    slots = int(template["priorities"]["slots"])
    priorities = [_cell(p, Author.CLIENT, f"priorities.{i}") for i, p in enumerate(priorities_raw)]
    priorities = [p for p in priorities if p["text"]]
    if len(priorities) > slots:
        raise ValidationFailed(
            ngettext("Keep to %(n)d priority.", "Keep to %(n)d priorities.", slots) % {"n": slots}
        )
    return {"domains": domains, "priorities": priorities}


def _content_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any]
) -> dict[str, list[Any]]:
    """Which cells of two documents changed, for the audit trail: their words are sealed at
    rest (StrengthsAssessmentVersion.content) and the trail is not, so it shows no values."""
    flat_before = _flatten(before or {"domains": {}, "priorities": []})
    flat_after = _flatten(after)
    cells = set(flat_before) | set(flat_after)
    return changed_fields(flat_before, flat_after, hidden=cells) | {
        k: [HIDDEN, None] for k in flat_before if k not in flat_after
    }


def _flatten(content: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, columns in content.get("domains", {}).items():
        for column, cell in columns.items():
            if cell.get("text"):
                flat[f"{key}.{column}"] = (
                    f"[{cell['author']}{', quote' if cell.get('verbatim') else ''}] {cell['text']}"
                )
    for rank, cell in enumerate(content.get("priorities", []), start=1):
        flat[f"priority.{rank}"] = (
            f"[{cell['author']}{', quote' if cell.get('verbatim') else ''}] {cell['text']}"
        )
    return flat


def strengths_assessment_revise(
    *,
    acting_user: User | None,
    client: Client,
    version: int | None,
    content: Mapping[str, Any],
    actor_label: str = "",
    request: Any = None,
) -> StrengthsAssessment:
    """Save the living strengths assessment as a new version.

    The client saves it themselves in the portal (their priorities in their own words) with
    `acting_user` None and `actor_label` naming them: the version says so (`by_client`).

    `version` is the assessment's version the user read (None when there was none yet); if
    someone saved in between, Conflict shows both documents. Saving an unchanged document
    adds no version.
    """
    with transaction.atomic():
        assessment = (
            StrengthsAssessment.objects.select_for_update(no_key=True)
            .select_related("template")
            .filter(client=client)
            .first()
        )
        template = (
            assessment.template
            if assessment
            else template_current(agency_id=client.agency_id, kind=Kind.STRENGTHS)
        )
        document = strengths_content_normalise(template.content, content)
        latest = assessment.versions.order_by("-number").first() if assessment else None
        if assessment is not None and version != assessment.version:
            raise Conflict(
                _("Someone else saved this assessment while you were working on it."),
                current=latest.content if latest else {},
                attempted=document,
            )
        if assessment is None and version not in (None, 0):
            raise Conflict(_("This assessment was removed."), current={}, attempted=document)
        if latest is not None and latest.content == document:
            return assessment  # type: ignore[return-value]
        if assessment is None:
            assessment = StrengthsAssessment.objects.create(
                agency_id=client.agency_id,
                client=client,
                template=template,
                latest_number=0,
                version=0,
            )
        number = assessment.latest_number + 1
        StrengthsAssessmentVersion.objects.create(
            agency_id=client.agency_id,
            assessment=assessment,
            number=number,
            content=document,
            saved_by=acting_user,
            by_client=acting_user is None,
        )
        updated = StrengthsAssessment.objects.filter(
            pk=assessment.pk, version=assessment.version
        ).update(latest_number=number, version=assessment.version + 1, updated_at=timezone.now())
        if updated != 1:  # pragma: no cover - the row lock makes this a last resort
            raise Conflict(_("Someone else saved this assessment."), current={}, attempted=document)
        assessment.latest_number, assessment.version = number, assessment.version + 1
        audit_record(
            actor=acting_user,
            action="strengths_assessment.revised",
            target=assessment,
            client_id=client.pk,
            changes={
                "version": [number - 1, number],
                **_content_changes(latest.content if latest else None, document),
            },
            request=request,
            actor_label=actor_label,
        )
    return assessment


# --- factors by level -----------------------------------------------------------------------


def factor_add(*, acting_user: User, client: Client, fields: Mapping[str, Any]) -> Factor:
    """Record a strength or barrier with its level and domain."""
    refuse_nul(fields)
    factor = Factor(
        agency_id=client.agency_id,
        client=client,
        recorded_by=acting_user,
        **{k: fields[k] for k in FACTOR_FIELDS if k in fields},
    )
    if factor.domain not in life_domains(client.agency_id):
        raise ValidationFailed(
            _("Choose a life domain."), field_errors={"domain": [_("Choose a life domain.")]}
        )
    sensitivity.categorise(factor, [factor.description], chosen=fields.get("categories") or None)
    validated(factor, exclude=["client", "agency", "recorded_by"])
    with transaction.atomic():
        factor.save()
        audit_record(
            actor=acting_user,
            action="factor.added",
            target=factor,
            changes=changed_fields(
                {},
                {k: getattr(factor, k) for k in (*FACTOR_FIELDS, "categories")},
                hidden=FACTOR_SEALED,
            ),
        )
    return factor


def factor_categories_set(*, acting_user: User, factor: Factor, categories: Any) -> Factor:
    """The worker confirms or corrects what protected information a factor holds."""
    before = list(factor.categories)
    sensitivity.categorise(
        factor, [factor.description], chosen=categories or [], texts_before=[factor.description]
    )
    with transaction.atomic():
        Factor.objects.filter(pk=factor.pk).update(
            categories=factor.categories,
            categories_confirmed=True,
            updated_at=timezone.now(),
        )
        audit_record(
            actor=acting_user,
            action="factor.categories_set",
            target=factor,
            changes={"categories": [before, factor.categories]},
        )
    return factor


def factor_set_aside(*, acting_user: User, factor: Factor) -> Factor:
    """Take a factor off the face sheet (kept on record)."""
    with transaction.atomic():
        Factor.objects.filter(pk=factor.pk).update(active=False, updated_at=timezone.now())
        factor.active = False
        audit_record(
            actor=acting_user,
            action="factor.set_aside",
            target=factor,
            changes={"active": [True, False]},
        )
    return factor


# --- motivation -----------------------------------------------------------------------------


def motivation_record_add(
    *,
    acting_user: User | None,
    client: Client,
    fields: Mapping[str, Any],
    actor_label: str = "",
    request: Any = None,
) -> MotivationRecord:
    """Answers to the three engagement questions, in the client's words, on one day. The client
    rewrites them themselves in the portal with `acting_user` None and `actor_label` naming
    them (the record says so: `by_client`)."""
    refuse_nul(fields)
    values = {k: fields[k] for k in MOTIVATION_FIELDS if k in fields}
    values.setdefault("recorded_on", timezone.localdate())
    not_in_future(values["recorded_on"], "recorded_on")
    if not any((values.get(k) or "").strip() for k in ("dreams", "obstacles", "support")):
        raise ValidationFailed(
            _("Write at least one answer."),
            field_errors={"dreams": [_("Write at least one answer.")]},
        )
    record = MotivationRecord(
        agency_id=client.agency_id,
        client=client,
        recorded_by=acting_user,
        by_client=acting_user is None,
        template=template_current(agency_id=client.agency_id, kind=Kind.MOTIVATION),
        **values,
    )
    validated(record, exclude=["client", "agency", "recorded_by", "template"])
    with transaction.atomic():
        record.save()
        audit_record(
            actor=acting_user,
            action="motivation.recorded",
            target=record,
            # The answers are the client's words: the trail says which changed, not what they say.
            changes=changed_fields(
                {}, {k: getattr(record, k) for k in MOTIVATION_FIELDS}, hidden=MOTIVATION_TEXTS
            ),
            request=request,
            actor_label=actor_label,
        )
    return record


def concern_add(
    *,
    acting_user: User,
    client: Client,
    label: str,
    domain: str = "",
    label_author: str = Author.CLIENT,
    label_verbatim: bool = False,
) -> Concern:
    """A change the client is weighing, named by them or put in words by the worker."""
    refuse_nul({"label": label, "label_author": label_author})
    concern = Concern(
        agency_id=client.agency_id,
        client=client,
        label=" ".join(label.split()),
        label_author=label_author,
        label_verbatim=label_verbatim,
        domain=domain,
    )
    validated(concern, exclude=["client", "agency"])
    with transaction.atomic():
        concern.save()
        audit_record(
            actor=acting_user,
            action="concern.added",
            target=concern,
            changes={
                "label": [None, concern.label],
                "label_author": [None, concern.label_author],
                "label_verbatim": [None, concern.label_verbatim],
            },
        )
    return concern


def readiness_rate(
    *, acting_user: User, concern: Concern, fields: Mapping[str, Any]
) -> ReadinessRating:
    """Stage of change and the importance and confidence rulers (0–10) for one concern."""
    refuse_nul(fields)
    values = {k: fields[k] for k in RATING_FIELDS if k in fields}
    values.setdefault("rated_on", timezone.localdate())
    not_in_future(values["rated_on"], "rated_on")
    stages = {s["key"] for s in shipped_template(Kind.MOTIVATION)["stages"]}
    if values.get("stage") not in stages:
        raise ValidationFailed(_("Choose a stage."), field_errors={"stage": [_("Choose a stage.")]})
    for ruler in ("importance", "confidence"):
        value = values.get(ruler)
        if not isinstance(value, int) or not 0 <= value <= 10:
            raise ValidationFailed(
                _("Rulers go from 0 to 10."),
                field_errors={ruler: [_("Choose a number from 0 to 10.")]},
            )
    rating = ReadinessRating(
        agency_id=concern.agency_id,
        client_id=concern.client_id,
        concern=concern,
        recorded_by=acting_user,
        **values,
    )
    validated(rating, exclude=["client", "agency", "concern", "recorded_by"])
    with transaction.atomic():
        rating.save()
        audit_record(
            actor=acting_user,
            action="readiness.rated",
            target=rating,
            client_id=concern.client_id,
            changes=changed_fields({}, {k: getattr(rating, k) for k in RATING_FIELDS}),
        )
    return rating


# --- Self-Sufficiency Matrix ----------------------------------------------------------------


def _is_adult(member: HouseholdMember, on: dt.date) -> bool:
    if member.date_of_birth is None:
        return True  # unknown age: the worker knows; the rule is explained on the page
    dob = member.date_of_birth
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day)) >= 18


def ssm_administer(
    *,
    acting_user: User,
    client: Client,
    kind: str,
    administered_on: dt.date,
    scores: Mapping[str, tuple[int, str]],
    member: HouseholdMember | None = None,
    member_id: Any = None,
) -> QuestionnaireResponse:
    """Record one matrix for the client (or another adult in the household).

    Rules: exactly one level (0–5) for every domain of the template, optional domains may be
    left out; one entry per person until an exit; a review or exit follows an entry.
    The page and the API name the household member by `member_id`, looked up among this
    client's household: an unknown id is refused on "member" like a child's, so both give the
    same answer.
    """
    if member is None and member_id not in (None, ""):
        pk = parse_id(member_id)
        member = (
            HouseholdMember.objects.filter(client=client, pk=pk).first() if pk is not None else None
        )
        if member is None:
            raise ValidationFailed(
                _("The matrix is for adults of this household."),
                field_errors={"member": [_("Choose an adult of this household.")]},
            )
    if kind not in OCCASIONS:
        raise ValidationFailed(
            _("Choose entry, review or exit."),
            field_errors={"kind": [_("Choose entry, review or exit.")]},
        )
    not_in_future(administered_on, "administered_on")
    if member is not None and (
        member.client_id != client.pk or not _is_adult(member, administered_on)
    ):
        raise ValidationFailed(
            _("The matrix is for adults of this household."),
            field_errors={"member": [_("Choose an adult of this household.")]},
        )
    template = template_current(agency_id=client.agency_id, kind=Kind.SSM)
    required = [d["key"] for d in template.content["domains"]]
    optional = [d["key"] for d in template.content.get("optional_domains", [])]
    errors: dict[str, list[str]] = {}
    for key in required:
        if key not in scores:
            errors[key] = [_("Choose a level (0 if it does not apply).")]
    for key, (score, note) in scores.items():
        if key not in required and key not in optional:
            errors[key] = [_("Unknown domain.")]
        elif not isinstance(score, int) or not 0 <= score <= 5:
            errors[key] = [_("Choose a level from 0 to 5.")]
        elif len(note or "") > 500 or "\x00" in (note or ""):
            errors[key] = [_("Keep the note under 500 characters.")]
    if errors:
        raise ValidationFailed(_("Every domain needs exactly one level."), field_errors=errors)
    history = list(
        QuestionnaireResponse.objects.filter(
            agency_id=client.agency_id,
            client=client,
            member=member,
            questionnaire__shipped=Kind.SSM,
        )
        .order_by("answered_on", "id")
        .values_list("occasion", "answered_on")
    )
    open_entry = None
    for past_kind, day in history:
        if past_kind == ENTRY:
            open_entry = day
        elif past_kind == EXIT:
            open_entry = None
    if kind == ENTRY and open_entry is not None:
        raise DomainError(
            _("There is already an entry matrix for this person; record a review or an exit.")
        )
    if kind != ENTRY and (open_entry is None or administered_on < open_entry):
        raise DomainError(_("Record the entry matrix first; reviews and exits follow it."))
    typed: dict[str, list[Any]] = {}
    for key, (score, note) in scores.items():
        typed[key] = [str(score)]
        if (note or "").strip():
            typed[as_questionnaire.note_id(key)] = [note.strip()]
    with transaction.atomic():
        version = as_questionnaire.shipped_version(
            agency_id=client.agency_id,
            kind=Kind.SSM,
            content=template.content,
            version=template.version,
        )
        administration = response_create(
            acting_user=acting_user,
            client=client,
            version=version,
            typed=typed,
            occasion=kind,
            answered_on=administered_on,
            member=member,
        )
        audit_record(
            actor=acting_user,
            action="ssm.administered",
            target=administration,
            client_id=client.pk,
            changes={
                "kind": [None, kind],
                "administered_on": [None, administered_on.isoformat()],
                "member": [None, member.name if member else None],
                **{f"score.{k}": [None, s] for k, (s, _n) in scores.items()},
            },
        )
    return administration


# --- ecomap ---------------------------------------------------------------------------------


def _node_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    refuse_nul(fields)
    return {
        k: (" ".join(fields[k].split()) if k == "label" else fields[k])
        for k in NODE_FIELDS
        if k in fields
    }


def ecomap_node_add(*, acting_user: User, client: Client, fields: Mapping[str, Any]) -> EcomapNode:
    """Add a person or system and the client's tie to it."""
    node = EcomapNode(agency_id=client.agency_id, client=client, **_node_values(fields))
    validated(node, exclude=["client", "agency"])
    with transaction.atomic():
        node.save()
        audit_record(
            actor=acting_user,
            action="ecomap.node_added",
            target=node,
            changes=changed_fields({}, {k: getattr(node, k) for k in NODE_FIELDS}),
        )
    return node


def ecomap_node_update(
    *, acting_user: User, node: EcomapNode, fields: Mapping[str, Any]
) -> EcomapNode:
    """Change a tie (its strength, quality, flow) or the node's label, kind or level."""
    values = _node_values(fields)
    before = {k: getattr(node, k) for k in NODE_FIELDS}
    for name, value in values.items():
        setattr(node, name, value)
    validated(node, exclude=["client", "agency"])
    after = {k: getattr(node, k) for k in NODE_FIELDS}
    changes = changed_fields(before, after)
    if not changes:
        return node
    with transaction.atomic():
        EcomapNode.objects.filter(pk=node.pk).update(**values, updated_at=timezone.now())
        audit_record(actor=acting_user, action="ecomap.tie_changed", target=node, changes=changes)
    return node


def ecomap_node_remove(*, acting_user: User, node: EcomapNode) -> None:
    with transaction.atomic():
        audit_record(
            actor=acting_user,
            action="ecomap.node_removed",
            target=node,
            changes=changed_fields(
                {k: getattr(node, k) for k in NODE_FIELDS}, dict.fromkeys(NODE_FIELDS)
            ),
        )
        node.delete()


def ecomap_snapshot_take(
    *, acting_user: User, client: Client, taken_on: dt.date | None = None
) -> EcomapSnapshot:
    """Freeze today's ecomap as a dated picture."""
    taken_on = taken_on or timezone.localdate()
    not_in_future(taken_on, "taken_on")
    nodes = list(EcomapNode.objects.filter(client=client).order_by("id"))
    if not nodes:
        raise DomainError(_("Add at least one person or system before keeping a dated copy."))
    data = {
        "center": client.display_name,
        "household": [m.name for m in client.household.filter(lives_with_client=True)],
        "nodes": [{"id": str(n.pk), **{k: getattr(n, k) for k in NODE_FIELDS}} for n in nodes],
    }
    with transaction.atomic():
        snapshot = EcomapSnapshot.objects.create(
            agency_id=client.agency_id,
            client=client,
            taken_on=taken_on,
            data=data,
            created_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action="ecomap.snapshot_taken",
            target=snapshot,
            changes={"taken_on": [None, taken_on.isoformat()], "nodes": [None, len(nodes)]},
        )
    return snapshot


# --- screening ------------------------------------------------------------------------------


def screening_record(
    *,
    acting_user: User,
    client: Client,
    answers: Mapping[str, Any],
    administered_on: dt.date | None = None,
) -> QuestionnaireResponse:
    """Record an AHC HRSN screen. A positive domain is a suggestion for the worker to raise with
    the client; it never creates a goal."""
    if not client.episodes.filter(closed_on__isnull=True, program__offers_screening=True).exists():
        raise DomainError(_("None of this client's open programs offers social-needs screening."))
    administered_on = administered_on or timezone.localdate()
    not_in_future(administered_on, "administered_on")
    try:
        result = hrsn.score_hrsn(answers)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    results = {
        d.domain: {
            "positive": d.positive,
            "detail": d.detail,
            "label": d.label,
            "suggestion": d.suggestion,
        }
        for d in result.domains
    }
    template = hrsn.hrsn_template()
    with transaction.atomic():
        response = response_create(
            acting_user=acting_user,
            client=client,
            version=as_questionnaire.shipped_version(
                agency_id=client.agency_id,
                kind=Kind.SCREENING,
                content=template,
                version=int(template.get("version", 1)),
            ),
            typed={
                key: [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
                for key, value in answers.items()
                if value not in (None, "", [], ())
            },
            answered_on=administered_on,
            derived={"results": results},
        )
        audit_record(
            actor=acting_user,
            action="screening.recorded",
            target=response,
            changes={"positive": [None, list(result.positive_domains)]},
        )
    return response
