"""A client's record as a FHIR R4 `Bundle` (type `collection`), following the Gravity SDOH
Clinical Care IG (strengths as protective-factor Conditions, referrals as ServiceRequest +
Task, Consent) and the Person-Centered Outcomes IG (Goals with their five Goal Attainment
Scaling levels, GAS score Observations, the CarePlan). The examples we follow are in
../shared/standards/ (fhir-sdohcc-r4, fhir-pco-gas-r4). Also: barriers as SDOH health-concern
Conditions (needs); services delivered as completed Procedures (a completed referral's Task
names them as its output); every matrix, screen and agency questionnaire as a
QuestionnaireResponse with its Questionnaire, and each matrix score as an Observation.

Every reference points at an entry of the same bundle (`Type/id`, entries' `fullUrl` end with
it): the staff and organisations named are included as Practitioner and Organization.
`validate(bundle)` checks each resource against the R4 models of `fhir.resources` (R4B);
the codes and profiles of the IGs are ours to keep right (tests compare with the examples).

What is not exported: the confidential address (the export carries no address at all when
it is confidential), notes (contact notes are the agency's working record, not the client's
plan), the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from strengthwise.accounts.models import User
from strengthwise.assessments import selectors as assessment_selectors
from strengthwise.assessments.models import Factor
from strengthwise.assessments.screening import hrsn_template, score_hrsn
from strengthwise.core import sensitivity
from strengthwise.directory.models import Organization
from strengthwise.people.models import Client
from strengthwise.plans import selectors as plan_selectors
from strengthwise.plans.models import GasFollowUp, Goal, Plan, Step
from strengthwise.questionnaires import selectors as questionnaire_selectors
from strengthwise.questionnaires.definition import CODE_SYSTEM
from strengthwise.referrals import consent as consent_rules
from strengthwise.referrals.models import Consent, Information, Referral, ServiceDelivery

from . import hrsn_loinc

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SDOHCC_CODES = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
# The Person-Centered Outcomes IG's GAS level answers (LOINC answer list), by our level.
GAS_LEVELS: dict[int, tuple[str, str]] = {
    2: ("LA34479-8", "Much better than expected"),
    1: ("LA34480-6", "Better than expected"),
    0: ("LA34481-4", "Expected outcome"),
    -1: ("LA34483-0", "Less than expected"),
    -2: ("LA34484-8", "Much less than expected"),
}
GAS_BASELINE = ("107332-9", "Goal attainment scale - Reported")
GAS_SCORE = {
    "client": ("107334-5", "Patient follow-up goal attainment scaling score"),
    "worker": ("107333-7", "Practitioner follow-up goal attainment scaling score"),
}
GAS_EXTENSION = "http://hl7.org/fhir/us/pco/StructureDefinition/pco-goal-attainment-scaling"
# Our goal status → FHIR Goal.lifecycleStatus and achievementStatus.
GOAL_STATUS: dict[str, tuple[str, str]] = {
    Goal.Status.ACTIVE: ("active", "in-progress"),
    Goal.Status.ACHIEVED: ("completed", "achieved"),
    Goal.Status.SET_ASIDE: ("cancelled", "not-attainable"),
    Goal.Status.REVISED: ("cancelled", "no-progress"),
}
# Our referral status (the FHIR Task status vocabulary already) → ServiceRequest.status.
SERVICE_REQUEST_STATUS = {
    "draft": "draft",
    "requested": "active",
    "accepted": "active",
    "in-progress": "active",
    "on-hold": "on-hold",
    "completed": "completed",
    "rejected": "revoked",
    "cancelled": "revoked",
    "failed": "revoked",
    "entered-in-error": "entered-in-error",
}
CAREPLAN_STATUS: dict[str, str] = {
    Plan.Status.DRAFT: "draft",
    Plan.Status.CLIENT_SIGNED: "draft",
    Plan.Status.AWAITING_APPROVAL: "draft",
    Plan.Status.RETURNED: "draft",
    Plan.Status.ACTIVE: "active",
}


def _ref(kind: str, rid: str, display: str = "") -> dict[str, Any]:
    ref: dict[str, Any] = {"reference": f"{kind}/{rid}"}
    if display:
        ref["display"] = display
    return ref


def _coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _instant(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


class _Bundle:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.patient_id = f"client-{client.pk}"
        self.entries: dict[str, dict[str, Any]] = {}
        self.part2 = False  # an item protected by 42 CFR Part 2 is in the bundle
        self.for_partner = False
        self.show_name = True  # in references' display too

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        key = f"{resource['resourceType']}/{resource['id']}"
        self.entries.setdefault(key, resource)
        return _ref(resource["resourceType"], resource["id"])

    def patient(self) -> dict[str, Any]:
        return _ref("Patient", self.patient_id, self.client.display_name if self.show_name else "")

    def practitioner(self, user: User | None) -> dict[str, Any] | None:
        if user is None:
            return None
        self.add(
            {
                "resourceType": "Practitioner",
                "id": f"staff-{user.pk}",
                "name": [{"text": user.label}],
            }
        )
        return _ref("Practitioner", f"staff-{user.pk}", user.label)

    def organization(self, org: Organization | None) -> dict[str, Any] | None:
        if org is None:
            return None
        self.add({"resourceType": "Organization", "id": f"org-{org.pk}", "name": org.name})
        return _ref("Organization", f"org-{org.pk}", org.name)

    def as_json(self) -> dict[str, Any]:
        base = f"{settings.STRENGTHWISE_BASE_URL}/fhir"
        meta = {}
        if self.part2:
            # DS4P labels: Part 2 information, not to be disclosed again without the client's
            # consent (the redisclosure notice of referrals/data/part2-notice.txt).
            meta["security"] = [
                {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
                {
                    "system": ACT_CODE,
                    "code": "NORDSCLCD",
                    "display": "no redisclosure without consent directive",
                },
            ]
        return {
            "resourceType": "Bundle",
            **({"meta": meta} if meta else {}),
            "type": "collection",
            "timestamp": timezone.now().isoformat(),
            "entry": [
                {"fullUrl": f"{base}/{key}", "resource": resource}
                for key, resource in self.entries.items()
            ],
        }


def _patient(b: _Bundle, *, contact: bool = True, demographics: bool = True) -> None:
    """The Patient: name, phone, email and address only with `contact`; date of birth and
    language only with `demographics` (a partner's export shares what its consent covers)."""
    c = b.client
    patient: dict[str, Any] = {"resourceType": "Patient", "id": b.patient_id}
    if contact:
        names = [{"use": "official", "family": c.legal_last_name, "given": [c.legal_first_name]}]
        if c.preferred_name:
            names.append({"use": "usual", "text": c.display_name})
        patient["name"] = [{k: v for k, v in n.items() if v and v != [""]} for n in names]
    if demographics:
        patient["communication"] = [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": c.preferred_language}]
                },
                "preferred": True,
            }
        ]
        if c.date_of_birth:
            patient["birthDate"] = c.date_of_birth.isoformat()
    telecom = []
    if c.phone:
        telecom.append({"system": "phone", "value": c.phone})
    if c.email:
        telecom.append({"system": "email", "value": c.email})
    if telecom and contact and not (b.for_partner and c.do_not_contact):
        patient["telecom"] = telecom
    if contact and not c.address_confidential and (c.address_line1 or c.city):
        address = {
            "line": [x for x in (c.address_line1, c.address_line2) if x],
            "city": c.city,
            "state": c.region,
            "postalCode": c.postal_code,
        }
        patient["address"] = [{k: v for k, v in address.items() if v}]
    b.add(patient)


def _factor_condition(b: _Bundle, f: Factor, rid: str, *, protective: bool) -> dict[str, Any]:
    """A factor as an SDOH health-concern Condition in the words recorded (asserted by the
    client when they are hers); a strength also carries the Gravity IG's protective-factor."""
    category = [
        _coding(
            "http://hl7.org/fhir/us/core/CodeSystem/condition-category",
            "health-concern",
            "Health Concern",
        ),
        _coding("http://hl7.org/fhir/us/core/CodeSystem/us-core-category", "sdoh", "SDOH"),
    ]
    if protective:
        category.append(_coding(SDOHCC_CODES, "protective-factor", "Protective Factor"))
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": _coding(
            "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"
        ),
        "category": category,
        "code": {"text": f.description},
        "subject": b.patient(),
        "recordedDate": _instant(f.created_at),
    }
    if f.author == "client":
        condition["asserter"] = b.patient()
    return condition


def _strengths(b: _Bundle, factors: Iterable[Factor]) -> None:
    """Strengths as the Gravity IG's protective-factor Conditions, in the words recorded."""
    for f in factors:
        b.add(_factor_condition(b, f, f"strength-{f.pk}", protective=True))


def _needs(b: _Bundle, factors: Iterable[Factor]) -> None:
    """Barriers the client named as SDOH health-concern Conditions (needs), with their level."""
    for f in factors:
        condition = _factor_condition(b, f, f"need-{f.pk}", protective=False)
        condition["note"] = [{"text": f"level: {f.level}"}]
        b.add(condition)


def _deliveries(
    b: _Bundle, deliveries: Iterable[ServiceDelivery]
) -> dict[int, list[dict[str, Any]]]:
    """Each service delivered as a completed Procedure (based on its referral's
    ServiceRequest); returns the Procedure references by referral id for the Tasks' output."""
    by_referral: dict[int, list[dict[str, Any]]] = {}
    for d in deliveries:
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "id": f"delivery-{d.pk}",
            "status": "completed",
            "category": _coding(SNOMED, "410606002", "Social service procedure"),
            "code": {"text": d.what},
            "subject": b.patient(),
            "performedDateTime": d.delivered_on.isoformat(),
            "performer": [{"actor": {"display": d.delivered_by}}],
            "note": [{"text": f"{d.units.normalize():f} {d.unit}"}],
        }
        if d.referral_id:
            procedure["basedOn"] = [_ref("ServiceRequest", f"referral-{d.referral_id}")]
        ref = b.add(procedure)
        if d.referral_id:
            by_referral.setdefault(d.referral_id, []).append(ref)
    return by_referral


def _goal(b: _Bundle, goal: Goal, strength_refs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    lifecycle, achievement = GOAL_STATUS.get(goal.status, ("active", "in-progress"))
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": f"goal-{goal.pk}",
        "lifecycleStatus": lifecycle,
        "achievementStatus": _coding(
            "http://terminology.hl7.org/CodeSystem/goal-achievement", achievement
        ),
        "description": {"text": goal.statement},
        "subject": b.patient(),
        "startDate": timezone.localdate(goal.created_at).isoformat(),
    }
    if goal.author == "client":
        resource["expressedBy"] = b.patient()
    if goal.why_it_matters:
        resource["note"] = [{"text": goal.why_it_matters}]
    if goal.gas_complete:
        resource["extension"] = [
            {
                "url": GAS_EXTENSION,
                "extension": [
                    {
                        "url": "level",
                        "valueCoding": {"system": LOINC, "code": code, "display": label},
                    },
                    {"url": "progressText", "valueString": text},
                ],
            }
            for level, text in reversed(goal.gas_levels)
            for code, label in [GAS_LEVELS[level]]
        ]
        resource["target"] = [
            {"measure": _coding(LOINC, "107332-9", "Goal attainment scale - Reported")}
        ]
    linked = [strength_refs[f.pk] for f in goal.strengths.all() if f.pk in strength_refs]
    if linked:
        resource["addresses"] = linked
    return b.add(resource)


def _gas_observations(b: _Bundle, goal: Goal, goal_ref: dict[str, Any]) -> None:
    followups: list[GasFollowUp] = list(goal.followups.all())
    if goal.gas_baseline is not None and goal.gas_complete:
        code, label = GAS_LEVELS[goal.gas_baseline]
        b.add(
            {
                "resourceType": "Observation",
                "id": f"goal-{goal.pk}-baseline",
                "status": "final",
                "code": _coding(LOINC, *GAS_BASELINE),
                "subject": b.patient(),
                "focus": [goal_ref],
                "effectiveDateTime": _instant(goal.created_at),
                "valueCodeableConcept": _coding(LOINC, code, label),
            }
        )
    for f in followups:
        code, label = GAS_LEVELS[f.level]
        performer = b.patient() if f.scored_by == "client" else b.practitioner(f.recorded_by)
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"gas-{f.pk}",
            "status": "final",
            "code": _coding(LOINC, *GAS_SCORE.get(f.scored_by, GAS_SCORE["worker"])),
            "subject": b.patient(),
            "focus": [goal_ref],
            "effectiveDateTime": f.scored_on.isoformat(),
            "valueCodeableConcept": _coding(LOINC, code, label),
        }
        if performer:
            observation["performer"] = [performer]
        if f.note:
            observation["note"] = [{"text": f.note}]
        b.add(observation)


def _step_status(step: Step) -> str:
    return "completed" if step.done_on else "not-started"


def _plan(b: _Bundle, plan: Plan, goals: list[Goal], referral_refs: list[dict[str, Any]]) -> None:
    goal_refs = [_ref("Goal", f"goal-{g.pk}") for g in goals]
    activities: list[dict[str, Any]] = [
        {
            "detail": {
                "status": _step_status(step),
                "description": step.text,
                "goal": [_ref("Goal", f"goal-{goal.pk}")],
                **({"performer": [b.patient()]} if step.who == Step.Who.CLIENT else {}),
                **(
                    {"scheduledString": step.target_date.isoformat()}
                    if step.target_date and not step.done_on
                    else {}
                ),
            }
        }
        for goal in goals
        for step in getattr(goal, "ordered_steps", goal.steps.all())
    ]
    activities += [{"reference": ref} for ref in referral_refs]
    careplan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"plan-{plan.pk}",
        "status": CAREPLAN_STATUS.get(plan.status, "draft"),
        "intent": "plan",
        "subject": b.patient(),
        "title": f"Plan, version {plan.number}",
        "created": _instant(plan.created_at),
    }
    if goal_refs:
        careplan["goal"] = goal_refs
    if activities:
        careplan["activity"] = activities
    b.add(careplan)


def _referrals(
    b: _Bundle,
    referrals: Iterable[Referral],
    delivered: dict[int, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Each referral as a ServiceRequest and the Task that tracks it (status from ours)."""
    refs = []
    for r in referrals:
        org = b.organization(r.service.organization)
        request: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "id": f"referral-{r.pk}",
            "status": SERVICE_REQUEST_STATUS.get(r.status, "unknown"),
            "intent": "order",
            "category": [_coding(SNOMED, "410606002", "Social service procedure")],
            "code": {"text": r.service.name},
            "subject": b.patient(),
            "authoredOn": _instant(r.requested_at or r.created_at),
        }
        requester = b.practitioner(r.created_by)
        if requester:
            request["requester"] = requester
        if org:
            request["performer"] = [org]
        if r.goal_id:
            request["supportingInfo"] = [_ref("Goal", f"goal-{r.goal_id}")]
        if r.request_note:
            request["note"] = [{"text": r.request_note}]
        request_ref = b.add(request)
        refs.append(request_ref)
        task: dict[str, Any] = {
            "resourceType": "Task",
            "id": f"referral-{r.pk}-task",
            "status": r.status,
            "intent": "order",
            "code": _coding(
                "http://hl7.org/fhir/CodeSystem/task-code", "fulfill", "Fulfill the focal request"
            ),
            "focus": request_ref,
            "for": b.patient(),
            "authoredOn": _instant(r.requested_at or r.created_at),
            "lastModified": _instant(r.status_changed_at or r.updated_at),
        }
        if org:
            task["owner"] = org
        if r.status_reason:
            task["statusReason"] = {"text": r.status_reason}
        if r.outcome:
            task["note"] = [{"text": r.outcome}]
        if r.status == "completed" and (delivered or {}).get(r.pk):
            task["output"] = [
                {"type": {"text": "Service delivered"}, "valueReference": ref}
                for ref in (delivered or {})[r.pk]
            ]
        b.add(task)
    return refs


def _consents(b: _Bundle, consents: Iterable[Consent]) -> None:
    today = timezone.localdate()
    for c in consents:
        state = consent_rules.status_on(c, today)
        end = c.revoked_on or c.valid_until
        resource: dict[str, Any] = {
            "resourceType": "Consent",
            "id": f"consent-{c.pk}",
            "status": {"active": "active", "not_yet": "active", "pending": "proposed"}.get(
                state, "inactive"
            ),
            "scope": _coding(
                "http://terminology.hl7.org/CodeSystem/consentscope",
                "patient-privacy",
                "Privacy Consent",
            ),
            "category": [
                _coding(
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "IDSCL",
                    "information disclosure",
                )
            ],
            "patient": b.patient(),
            "dateTime": _instant(c.signed_at or c.created_at),
            "policyRule": _coding(
                "http://terminology.hl7.org/CodeSystem/consentpolicycodes",
                "cfr-part2" if c.covers_part2 else "hipaa-auth",
            ),
            "provision": {
                "type": "permit",
                "period": {
                    "start": c.valid_from.isoformat(),
                    **({"end": end.isoformat()} if end else {}),
                },
                "class": [
                    {"system": "https://strengthwise.example/information", "code": kind}
                    for kind in c.information
                ],
            },
        }
        org = b.organization(c.organization) if c.organization_id else None
        if org:
            resource["organization"] = [org]
        b.add(resource)


def client_bundle(client: Client, *, consent: Consent | None = None) -> dict[str, Any]:
    """The client's record as one FHIR R4 collection Bundle (a dict ready for JSON).

    With `consent` (one of the client's, in force today): the export for the organisation that
    consent names, carrying only what it covers, by category, as the referral link's page does
    (`referrals.selectors.partner_view`): name and contact details with *contact*, date of birth
    and language with *demographics*, strengths (not macro-level ones) with *strengths*, goals
    with their levels, scores and steps with *goals*; within those, only items whose protected
    categories the consent names too; the referrals sent under this consent and the services
    they delivered; this consent only. Needs, matrices, screens and questionnaire answers have no
    category a consent can name, so they never go to a partner. Part 2 information marks the
    bundle with the DS4P labels."""
    b = _Bundle(client)
    allowed: frozenset[str] | None = None
    if consent is not None:
        allowed = frozenset(consent.information)
        b.for_partner = True
        b.show_name = Information.CONTACT in allowed

    def shares(kind: str, item: Any = None) -> bool:
        if allowed is None:
            return True
        if kind not in allowed or (item is not None and not sensitivity.covered(item, allowed)):
            return False
        b.part2 |= bool(getattr(item, "part2", False))
        return True

    _patient(b, contact=shares(Information.CONTACT), demographics=shares(Information.DEMOGRAPHICS))
    factors = [
        f
        for f in Factor.objects.filter(client=client, valence="strength", active=True).order_by(
            "id"
        )
        if allowed is None or (f.level != "macro" and shares(Information.STRENGTHS, f))
    ]
    _strengths(b, factors)
    strength_refs = {f.pk: _ref("Condition", f"strength-{f.pk}") for f in factors}
    if allowed is None:
        _needs(
            b, Factor.objects.filter(client=client, valence="barrier", active=True).order_by("id")
        )
    plan = plan_selectors.plan_current(client=client)
    goals = [
        g
        for g in (plan_selectors.plan_goals(plan=plan) if plan is not None else [])
        if shares(Information.GOALS, g)
    ]
    for goal in goals:
        goal_ref = _goal(b, goal, strength_refs)
        _gas_observations(b, goal, goal_ref)
    sent = Referral.objects.filter(client=client)
    if consent is not None:
        sent = sent.filter(consent=consent)
    referrals = list(sent.select_related("service__organization", "created_by").order_by("id"))
    goal_ids = {g.pk for g in goals}
    for r in referrals:
        if r.goal_id not in goal_ids:
            r.goal_id = None  # a goal of an earlier plan (or not shared) is not in this bundle
        if allowed is not None:
            b.part2 |= r.part2
            note_categories = sensitivity.suggest(r.request_note) if r.request_note else []
            if not set(note_categories) <= allowed:
                r.request_note = ""  # the worker's note goes only where the consent covers it
            b.part2 |= sensitivity.PART2 in note_categories and bool(r.request_note)
    deliveries = ServiceDelivery.objects.filter(client=client)
    if consent is not None:
        deliveries = deliveries.filter(referral__in=[r.pk for r in referrals])
    delivered = _deliveries(b, deliveries.order_by("delivered_on", "id"))
    referral_refs = _referrals(b, referrals, delivered)
    if plan is not None and (allowed is None or Information.GOALS in allowed):
        _plan(b, plan, goals, referral_refs)
    consents = Consent.objects.filter(client=client).select_related("organization")
    if consent is not None:
        consents = consents.filter(pk=consent.pk)
    _consents(b, consents.order_by("id"))
    if allowed is None:
        _questionnaire_responses(b, client)
        _instrument_responses(b, client)
    return b.as_json()


def _instrument_responses(b: _Bundle, client: Client) -> None:
    """Each matrix and screen (responses to the agency's shipped instruments) as a
    QuestionnaireResponse, with the version of the instrument it answered as a Questionnaire."""
    # The client's own matrices (another adult's is not about the Patient).
    matrices = assessment_selectors.ssm_administrations(client=client, own_only=True)
    screens = list(reversed(assessment_selectors.screenings(client=client)))
    for kind, records in (("ssm", matrices), ("screening", screens)):
        for version in {r.response.version_id: r.response.version for r in records}.values():
            b.add({**version.definition, "id": f"{kind}-questionnaire-v{version.number}"})
    for matrix in matrices:
        resource = {
            **questionnaire_selectors.response_resource(matrix.response),
            "id": f"ssm-{matrix.pk}",
            "author": b.practitioner(matrix.recorded_by),
        }
        response_ref = b.add(resource)
        for domain, score in matrix.scores.items():
            b.add(
                {
                    "resourceType": "Observation",
                    "id": f"ssm-{matrix.pk}-{domain.replace('_', '-')}",
                    "status": "final",
                    "category": [
                        _coding(
                            "http://terminology.hl7.org/CodeSystem/observation-category",
                            "social-history",
                            "Social History",
                        )
                    ],
                    "code": {"text": f"Self-Sufficiency Matrix: {domain}"},
                    "subject": b.patient(),
                    "effectiveDateTime": matrix.administered_on.isoformat(),
                    "valueInteger": score,
                    "derivedFrom": [response_ref],
                }
            )
    for screen in screens:
        resource = {
            **questionnaire_selectors.response_resource(screen.response),
            "id": f"screening-{screen.pk}",
            "author": b.practitioner(screen.recorded_by),
        }
        _screening_observations(b, screen, b.add(resource))


SURVEY = _coding("http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")
SDOH = _coding("http://hl7.org/fhir/us/core/CodeSystem/us-core-category", "sdoh", "SDOH")
POSITIVE = _coding(
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "POS", "Positive"
)
DECLINED = _coding(
    "http://terminology.hl7.org/CodeSystem/data-absent-reason",
    "asked-declined",
    "Asked But Declined",
)


def _screening_observations(
    b: _Bundle, screen: assessment_selectors.Screen, response_ref: dict[str, Any]
) -> None:
    """Each answer of a screen as an SDOH screening-response Observation coded in LOINC (as the
    SDOH Clinical Care guide shapes them): the question's code, the answer's LA code beside ours,
    "positive" on the answers CMS flags, "asked but declined" where the client chose not to
    answer; one Observation per answer chosen on a several-answer item; the safety total
    (positive above the threshold); and the screen's panel grouping them. A template version
    without LOINC codes leaves only the QuestionnaireResponse."""
    version = screen.template_version
    items_loinc = hrsn_loinc.ITEMS.get(version)
    if items_loinc is None:
        return
    template = hrsn_template(version)
    declined_key = template["declined_option"]["key"]
    base = {
        "resourceType": "Observation",
        "status": "final",
        "subject": b.patient(),
        "effectiveDateTime": screen.administered_on.isoformat(),
        "derivedFrom": [response_ref],
    }
    performer = b.practitioner(screen.recorded_by)
    if performer:
        base["performer"] = [performer]
    members = []
    for item in template["items"]:
        chosen = (screen.answers or {}).get(item["key"])
        chosen = chosen if isinstance(chosen, list) else [chosen]
        chosen = [c for c in chosen if c not in (None, "")]
        if not chosen:
            continue
        code, label = hrsn_loinc.ITEM_CATEGORY.get(
            item["key"], hrsn_loinc.DOMAIN_CATEGORY[item["domain"]]
        )
        observation = {
            **base,
            "category": [SURVEY, SDOH, _coding(SDOHCC_CODES, code, label)],
            "code": {
                "coding": [{"system": LOINC, "code": items_loinc[item["key"]]}],
                "text": " ".join(str(item["question"]).split()),
            },
        }
        rid = f"screening-{screen.pk}-{item['key'].replace('_', '-')}"
        if declined_key in chosen:
            members.append(b.add({**observation, "id": rid, "dataAbsentReason": DECLINED}))
            continue
        options = {o["key"]: o for o in item["options"]}
        for key in chosen:
            option = options[key]
            one = {
                **observation,
                "id": f"{rid}-{key.replace('_', '-')}" if len(chosen) > 1 else rid,
                "valueCodeableConcept": {
                    "coding": [
                        {"system": LOINC, "code": hrsn_loinc.ANSWERS[version][item["key"]][key]},
                        {"system": CODE_SYSTEM, "code": key},
                    ],
                    "text": " ".join(str(option["label"]).split()),
                },
            }
            if option.get("positive"):
                one["interpretation"] = [POSITIVE]
            members.append(b.add(one))
    result = score_hrsn(screen.answers or {}, version=version)
    if result.safety_total is not None:
        total = {
            **base,
            "id": f"screening-{screen.pk}-safety-total",
            "category": [
                SURVEY,
                SDOH,
                _coding(SDOHCC_CODES, *hrsn_loinc.DOMAIN_CATEGORY["safety"]),
            ],
            "code": {
                "coding": [{"system": LOINC, "code": hrsn_loinc.SAFETY_TOTAL}],
                "text": "Total safety score",
            },
            "valueInteger": result.safety_total,
        }
        if result.domain("safety").positive:
            total["interpretation"] = [POSITIVE]
        members.append(b.add(total))
    if members:
        b.add(
            {
                **base,
                "id": f"screening-{screen.pk}",
                "category": [SURVEY, SDOH],
                "code": {
                    "coding": [{"system": LOINC, "code": hrsn_loinc.PANEL}],
                    "text": str(template["name"]),
                },
                "hasMember": members,
            }
        )


def _questionnaire_responses(b: _Bundle, client: Client) -> None:
    """The client's answers to the agency's questionnaires, each with the published version it
    answered (a Questionnaire entry per version, its canonical `url|version` as the link)."""
    for entry in questionnaire_selectors.client_questionnaires(client=client):
        for response in entry["responses"]:
            version = response.version
            b.add(
                {
                    **version.definition,
                    "id": f"questionnaire-{version.questionnaire_id}-v{version.number}",
                }
            )
            resource = questionnaire_selectors.response_resource(response)
            resource["author"] = b.practitioner(response.recorded_by)
            b.add(resource)


def validate(bundle: dict[str, Any]) -> None:
    """Raise ValueError naming the first resource that is not valid FHIR R4."""
    from fhir.resources.R4B import get_fhir_model_class

    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        try:
            model.model_validate(resource)
        except Exception as exc:  # pydantic's ValidationError, named with the resource
            raise ValueError(f"{resource['resourceType']}/{resource.get('id')}: {exc}") from exc
    get_fhir_model_class("Bundle").model_validate({**bundle, "entry": []})


def unresolved_references(bundle: dict[str, Any]) -> list[str]:
    """Every `reference` in the bundle that no entry answers (an empty list when all resolve)."""
    present = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle.get("entry", [])
    }
    missing: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            ref = value.get("reference")
            if isinstance(ref, str) and ref not in present:
                missing.append(ref)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(bundle.get("entry", []))
    return missing
